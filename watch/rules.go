package watch

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// The watch rules' ids, stable like the checks' (they are the `id` of a result).
const (
	IDKids        = "drift.jwks.kids"
	IDKidReused   = "drift.jwks.kid-reused"
	IDExpiryTLS   = "expiry.tls"
	IDExpiryX5C   = "expiry.jwks-x5c"
	IDDiscovery   = "drift.discovery"
	IDConfigDrift = "drift.config"
)

// Certificate expiry thresholds. A month warns, as uri.tls does: renewing can need a change
// NHS deploys, which takes at least two weeks. A week fails: that is an outage being scheduled.
const (
	ExpiryWarn = 30 * 24 * time.Hour
	ExpiryFail = 7 * 24 * time.Hour
)

// Change kinds.
const (
	KindAdded      = "added"
	KindRemoved    = "removed"
	KindReused     = "reused"
	KindChanged    = "changed"
	KindRegression = "regression"
	KindRecovered  = "recovered"
)

// Change is one difference from the previous run (or, for drift.config, from the submitted
// configuration). Status is how much it matters; Old and New are the values when there are
// two. Every string is cleaned.
type Change struct {
	ID      string         `json:"id"`
	Target  string         `json:"target"`
	Kind    string         `json:"kind"`
	Status  model.Severity `json:"status"`
	Old     string         `json:"old,omitempty"`
	New     string         `json:"new,omitempty"`
	Message string         `json:"message"`
}

// Observation is what one run saw, as the watch rules need it.
type Observation struct {
	Config *model.Config
	// Results are the run's offline and live results, as `check` reports them.
	Results []checks.Result
	// JWKS is the set jwks.fetch got (nil when it got none).
	JWKS *keys.Set
	// DiscoveryURL is --discovery ("" when not given); Discovery what it served (nil when
	// it could not be read).
	DiscoveryURL string
	Discovery    *checks.Discovery
	// Submitted is the configuration sent to NHS (--submitted), nil when not given.
	Submitted     *model.Config
	SubmittedPath string
	Now           time.Time
}

// Evaluate applies the watch rules to one run against the previous run's state (nil on the
// first run). It returns the rules' results, the changes since then, and the state to save.
// Regressions are marked on the run's own results too (see markRegressions).
func Evaluate(prev *State, o Observation) ([]checks.Result, []Change, *State) {
	e := &evaluation{prev: prev, o: o, next: &State{Version: StateVersion, RunAt: o.Now}}
	if prev != nil {
		e.next.JWKS, e.next.Retired = prev.JWKS, prev.Retired
		e.next.SigningKID, e.next.SigningSeen = prev.SigningKID, prev.SigningSeen
		e.next.Discovery = prev.Discovery
	}
	if hasJWKS(o.Config) {
		e.jwksRules()
	}
	e.expiryTLS()
	if hasJWKS(o.Config) {
		e.expiryX5C()
	}
	e.discoveryRule()
	e.configRule()
	return e.rules, e.changes, e.next
}

type evaluation struct {
	prev    *State
	o       Observation
	next    *State
	rules   []checks.Result
	changes []Change
}

func (e *evaluation) add(r checks.Result) { e.rules = append(e.rules, r) }

func (e *evaluation) change(c Change) {
	c.Target, c.Old, c.New, c.Message = sanitize.Clean(c.Target), sanitize.Clean(c.Old), sanitize.Clean(c.New), sanitize.Clean(c.Message)
	e.changes = append(e.changes, c)
}

func hasJWKS(cfg *model.Config) bool { return cfg.UsesPrivateKeyJWT() && cfg.JWKSURI != "" }

// since is how a message names the previous run.
func since(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// jwksRules are drift.jwks.kids and drift.jwks.kid-reused.
func (e *evaluation) jwksRules() {
	const target = "jwks_uri"
	cur := e.o.JWKS
	e.updateSigningKID()
	if cur == nil {
		for _, id := range []string{IDKids, IDKidReused} {
			e.add(checks.Result{ID: id, Target: target, Status: model.Skip, Message: "JWKS not fetched: see jwks.fetch"})
		}
		return
	}
	now := keySetOf(cur, e.o.Config.JWKSURI, e.o.Now)
	var before *KeySet
	if e.prev != nil {
		before = e.prev.JWKS
	}
	e.next.JWKS = now
	if before != nil && before.URL != now.URL {
		// Another JWKS altogether: comparing its keys with the old one's would call every key
		// removed. drift.config says whether NHS must hear of the new jwks_uri. The kid signed
		// with at the old one is not looked for here, unless this run signed with it.
		before, e.next.Retired = nil, nil
		if !e.next.SigningSeen.Equal(e.o.Now) {
			e.next.SigningKID, e.next.SigningSeen = "", time.Time{}
		}
	}
	if before == nil {
		msg := fmt.Sprintf("no earlier JWKS at this jwks_uri to compare with: recorded %d key(s) (%s) as the baseline", len(now.Keys), kidList(now.Keys))
		e.add(checks.Result{ID: IDKids, Target: target, Status: model.Skip, Message: msg})
		e.add(checks.Result{ID: IDKidReused, Target: target, Status: model.Skip, Message: msg})
		return
	}
	added, removed := diffKeys(before.Keys, now.Keys)
	e.next.Retired = retire(removed, e.next.Retired, now.Keys)

	kids := checks.Result{ID: IDKids, Target: target, Status: model.Pass,
		Evidence: map[string]string{"keys": fmt.Sprint(len(now.Keys)), "since": since(before.SeenAt)}}
	var notes []string
	for _, k := range added {
		notes = append(notes, "added "+label(k))
		e.change(Change{ID: IDKids, Target: target, Kind: KindAdded, Status: model.Pass, New: label(k),
			Message: "published " + label(k)})
	}
	signing := e.next.SigningKID
	isSigning := func(k Key) bool { return signing != "" && sanitize.Clean(k.KID) == signing }
	const signingFix = "publish that key again at once, or switch signing to a kid in the JWKS (see `cis2-golive keys rotate`)"
	for _, k := range removed {
		c := Change{ID: IDKids, Target: target, Kind: KindRemoved, Status: model.Warn, Old: label(k),
			Message: "removed " + label(k)}
		if isSigning(k) {
			c.Status = model.Fail
			c.Message = fmt.Sprintf("removed %s, which client assertions were last seen signed with (%s): CIS2 will refuse them",
				label(k), since(e.next.SigningSeen))
			kids.Status = model.Fail
			kids.Fix = signingFix
		} else if kids.Status == model.Pass {
			kids.Status = model.Warn
			kids.Fix = "make sure nothing still signs with a removed key: CIS2 caches the JWKS (for how long is unpublished), so remove a key only after signing has moved off it"
		}
		notes = append(notes, c.Message)
		e.change(c)
	}
	// Removed in an earlier round and not back: still failing, not recovered, until the key
	// is published again or an assertion passes with another kid (updateSigningKID).
	if signing != "" && kids.Status != model.Fail && !slices.ContainsFunc(now.Keys, isSigning) {
		notes = append(notes, fmt.Sprintf("kid %s, which client assertions were last seen signed with (%s), is still not in the JWKS: CIS2 will refuse them",
			signing, since(e.next.SigningSeen)))
		kids.Status = model.Fail
		kids.Fix = signingFix + "; if signing has already moved to a published key, run watch with --key (or --sign-cmd) so it sees the kid in use"
	}
	if len(notes) == 0 {
		kids.Message = fmt.Sprintf("the same %d key(s) as on %s: %s", len(now.Keys), since(before.SeenAt), kidList(now.Keys))
	} else {
		kids.Message = fmt.Sprintf("since %s: %s", since(before.SeenAt), strings.Join(notes, "; "))
	}
	e.add(kids)

	reused := checks.Result{ID: IDKidReused, Target: target, Status: model.Pass,
		Message: "every kid names the key material it named before"}
	var reuses []string
	for _, k := range now.Keys {
		old, ok := earlier(k.KID, before.Keys, e.prev.Retired)
		if !ok || old.Thumbprint == "" || k.Thumbprint == "" || old.Thumbprint == k.Thumbprint {
			continue
		}
		l := label(k)
		reuses = append(reuses, l)
		e.change(Change{ID: IDKidReused, Target: target, Kind: KindReused, Status: model.Fail,
			Old: old.Thumbprint, New: k.Thumbprint,
			Message: fmt.Sprintf("%s now names a different key (thumbprint %s, was %s)", l, k.Thumbprint, old.Thumbprint)})
	}
	if len(reuses) > 0 {
		reused.Status = model.Fail
		verb := "names"
		if len(reuses) > 1 {
			verb = "name"
		}
		reused.Message = sanitize.Join(reuses, ", ") + " now " + verb + " different key material: a verifier that cached the JWKS keeps using the old key for that kid, and fetches the new one only on a kid it does not know"
		reused.Fix = "give every new key a kid of its own (its RFC 7638 thumbprint, as `cis2-golive keys rotate` does), published beside the old key"
	}
	e.add(reused)
}

// updateSigningKID remembers the kid of this run's passing assertion.sign-verify.
func (e *evaluation) updateSigningKID() {
	for _, r := range e.o.Results {
		if r.ID == checks.IDAssertion && r.Status == model.Pass && r.Evidence["kid"] != "" {
			e.next.SigningKID, e.next.SigningSeen = r.Evidence["kid"], e.o.Now
		}
	}
}

// keySetOf is a JWK Set as the state keeps it.
func keySetOf(s *keys.Set, url string, now time.Time) *KeySet {
	ks := &KeySet{URL: url, SeenAt: now, Keys: make([]Key, 0, len(s.Keys))}
	for _, k := range s.Keys {
		key := Key{KID: k.RawKID(), Thumbprint: k.Thumbprint, Kty: k.Kty}
		if len(k.Certificates) > 0 {
			key.X5CNotAfter = firstToExpire(k.Certificates).NotAfter
		}
		ks.Keys = append(ks.Keys, key)
	}
	return ks
}

// firstToExpire is the certificate of a chain that expires first: the chain is as good as it.
func firstToExpire(chain []*x509.Certificate) *x509.Certificate {
	first := chain[0]
	for _, c := range chain[1:] {
		if c.NotAfter.Before(first.NotAfter) {
			first = c
		}
	}
	return first
}

// identity is how a key is matched between runs: by kid, or by thumbprint when it has none.
func (k Key) identity() string {
	if k.KID != "" {
		return "kid:" + k.KID
	}
	return "thumbprint:" + k.Thumbprint
}

// label names a key for messages, cleaned.
func label(k Key) string {
	if k.KID != "" {
		return "kid " + sanitize.Clean(k.KID)
	}
	if k.Thumbprint != "" {
		return "the key without a kid, thumbprint " + k.Thumbprint
	}
	return "a key without a kid"
}

func kidList(ks []Key) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = strings.TrimPrefix(label(k), "kid ")
	}
	if len(names) == 0 {
		return "no keys"
	}
	return sanitize.Join(names, ", ")
}

// diffKeys lists the keys only in now (added) and only in before (removed), in set order.
func diffKeys(before, now []Key) (added, removed []Key) {
	has := func(ks []Key, k Key) bool {
		return slices.ContainsFunc(ks, func(o Key) bool { return o.identity() == k.identity() })
	}
	for _, k := range now {
		if !has(before, k) {
			added = append(added, k)
		}
	}
	for _, k := range before {
		if !has(now, k) {
			removed = append(removed, k)
		}
	}
	return added, removed
}

// retire adds the removed keys to the retired list, newest first, drops any that are back in
// the set, and keeps at most maxRetired.
func retire(removed, retired, current []Key) []Key {
	out := slices.Clone(removed)
	for _, k := range retired {
		if !slices.ContainsFunc(out, func(o Key) bool { return o.identity() == k.identity() }) {
			out = append(out, k)
		}
	}
	out = slices.DeleteFunc(out, func(k Key) bool {
		// A key back under its kid with the same material is simply published again.
		return slices.ContainsFunc(current, func(c Key) bool { return c.identity() == k.identity() && c.Thumbprint == k.Thumbprint })
	})
	if len(out) > maxRetired {
		out = out[:maxRetired]
	}
	return out
}

// earlier is the key a kid named before: in the previous set, else among the retired keys.
func earlier(kid string, before, retired []Key) (Key, bool) {
	if kid == "" {
		return Key{}, false
	}
	for _, list := range [][]Key{before, retired} {
		for _, k := range list {
			if k.KID == kid {
				return k, true
			}
		}
	}
	return Key{}, false
}

// expiry judges a certificate that is valid until notAfter, at now.
func expiry(notAfter, now time.Time) (model.Severity, string) {
	left := notAfter.Sub(now)
	date := notAfter.UTC().Format(time.DateOnly)
	days := int(left.Hours() / 24)
	switch {
	case left <= 0:
		return model.Fail, "expired on " + date
	case left < ExpiryFail:
		return model.Fail, fmt.Sprintf("expires in %s (%s)", daysText(days), date)
	case left < ExpiryWarn:
		return model.Warn, fmt.Sprintf("expires in %s (%s)", daysText(days), date)
	}
	return model.Pass, fmt.Sprintf("expires in %s (%s)", daysText(days), date)
}

func daysText(days int) string {
	switch days {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// expiryTLS is expiry.tls: each URI's certificate, as uri.tls saw it, against the thresholds.
func (e *evaluation) expiryTLS() {
	for _, r := range e.o.Results {
		if r.ID != checks.IDTLS || r.Status == model.Skip && r.Evidence["not_after"] == "" {
			continue // no TLS to look at (not https, or not a URI)
		}
		res := checks.Result{ID: IDExpiryTLS, Target: r.Target}
		notAfter, err := time.Parse(time.RFC3339, r.Evidence["not_after"])
		if err != nil {
			res.Status, res.Message = model.Skip, "no certificate seen: see uri.tls"
			e.add(res)
			continue
		}
		host := r.Evidence["url"]
		status, when := expiry(notAfter, e.o.Now)
		res.Status, res.Message = status, "the certificate "+when
		res.Evidence = map[string]string{"url": host, "not_after": notAfter.UTC().Format(time.RFC3339)}
		if status != model.Pass {
			res.Fix = "renew the certificate (and its chain) served at " + host
		}
		e.add(res)
	}
}

// expiryX5C is expiry.jwks-x5c: every x5c certificate in the JWKS against the thresholds,
// one result per key that carries a chain.
func (e *evaluation) expiryX5C() {
	const target = "jwks_uri"
	set := e.o.JWKS
	if set == nil {
		e.expiryX5CLastSeen()
		return
	}
	found := false
	for _, k := range set.Keys {
		chain := k.Certificates
		if len(chain) == 0 && k.X5CErr == nil {
			continue
		}
		found = true
		t := fmt.Sprintf("%s (kid %s)", target, k.Label())
		if len(chain) == 0 { // jwks.lint reports why
			e.add(checks.Result{ID: IDExpiryX5C, Target: t, Status: model.Skip,
				Message: "the x5c chain could not be read: " + sanitize.Clean(k.X5CErr.Error())})
			continue
		}
		first := firstToExpire(chain)
		status, when := expiry(first.NotAfter, e.o.Now)
		res := checks.Result{ID: IDExpiryX5C, Target: t, Status: status,
			Message: fmt.Sprintf("x5c certificate %q %s", sanitize.Clean(first.Subject.String()), when),
			Evidence: map[string]string{"kid": k.KID, "not_after": first.NotAfter.UTC().Format(time.RFC3339),
				"certificates": fmt.Sprint(len(chain))}}
		if status != model.Pass {
			res.Fix = "publish the key with a renewed certificate chain (or without x5c, if nothing reads it)"
		}
		e.add(res)
	}
	if !found {
		e.add(checks.Result{ID: IDExpiryX5C, Target: target, Status: model.Skip, Message: "no key in the JWKS carries an x5c certificate chain"})
	}
}

// expiryX5CLastSeen is expiry.jwks-x5c for a run that could not fetch the JWKS: the x5c
// chains of the last JWKS seen at this jwks_uri, judged now. An outage of the JWKS does not
// stop its certificates from expiring.
func (e *evaluation) expiryX5CLastSeen() {
	const target = "jwks_uri"
	last := e.next.JWKS
	found := false
	if last != nil && last.URL == e.o.Config.JWKSURI {
		for i, k := range last.Keys {
			if k.X5CNotAfter.IsZero() {
				continue
			}
			found = true
			name := fmt.Sprintf("key[%d]", i) // as keys.Key.Label names a key without a kid
			if k.KID != "" {
				name = sanitize.Clean(k.KID)
			}
			status, when := expiry(k.X5CNotAfter, e.o.Now)
			res := checks.Result{ID: IDExpiryX5C, Target: fmt.Sprintf("%s (kid %s)", target, name), Status: status,
				Message:  fmt.Sprintf("JWKS not fetched (see jwks.fetch); in the one last fetched (%s), this key's x5c chain %s", since(last.SeenAt), when),
				Evidence: map[string]string{"kid": name, "not_after": k.X5CNotAfter.UTC().Format(time.RFC3339), "seen": since(last.SeenAt)}}
			if status != model.Pass {
				res.Fix = "publish the key with a renewed certificate chain (or without x5c, if nothing reads it), and get the JWKS answering again"
			}
			e.add(res)
		}
	}
	if !found {
		e.add(checks.Result{ID: IDExpiryX5C, Target: target, Status: model.Skip, Message: "JWKS not fetched: see jwks.fetch"})
	}
}
