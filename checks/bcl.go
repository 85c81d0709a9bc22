package checks

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// backchannelLogoutEvent is the events member that makes a JWT a logout token (OIDC BCL §2.4).
const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// placeholderClientID stands in for a client_id the configuration does not have yet; results
// that use it say so.
const placeholderClientID = "cis2-golive-placeholder.apps.supplier"

// bcl is bcl.rejects-bogus-token: the back-channel logout endpoint must answer 400 to every
// logout token CIS2 never signed. The matrix (bogusKinds) covers a token that looks right but
// is signed by a key CIS2 never published, the classic JWT verifier holes (alg none, HS256 keyed
// with CIS2's public key) and tokens each broken in one claim. Accepting any of them means anyone
// could log your users out; the result stays one line, with each token's answer in the evidence.
func (r *run) bcl(ctx context.Context, e endpoint, prep bclTokens) Result {
	if e.url == nil {
		return e.unparsed()
	}
	ev := maps.Clone(prep.ev)
	tokens := prep.tokens
	if prep.err != nil {
		return Result{Status: model.Fail, Message: "could not build the test logout tokens: " + prep.err.Error(), Evidence: ev}
	}
	// The first token went alone, in Check.After (see bclCheck): it opens the connection the
	// others reuse, and an endpoint that does not answer it is not sent nine more. The rest
	// follow one after another over that connection when it answered promptly (one TLS
	// handshake in all), or all at once when it was slow, so a slow endpoint costs one more
	// round trip, not nine, and fits the check's timeout.
	client := prep.client
	defer client.CloseIdleConnections()
	answers := make([]logoutAnswer, len(tokens))
	answers[0] = prep.first
	if answers[0].err == nil {
		parallel := 1
		if prep.firstTook > bclSlowAnswer {
			parallel = len(tokens) - 1
		}
		var wg sync.WaitGroup
		slots := make(chan struct{}, parallel)
		for i := 1; i < len(tokens); i++ {
			wg.Go(func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				answers[i] = r.postLogout(ctx, client, e.raw, tokens[i].token)
			})
		}
		wg.Wait()
	}

	first := answers[0] // the unknown-key token: the one whose details (body, headers) are shown
	if res := r.causedBy(ctx, e, first.err); res != nil {
		return *res
	}
	for i, a := range answers {
		if a.err != nil {
			ev["status"] = strconv.Itoa(a.code)
			msg := "no answer to the logout POST: " + describeErr(a.err)
			fix := "deploy the back-channel logout endpoint and make it reachable from the internet"
			if a.code != 0 {
				msg = fmt.Sprintf("answered %d to the %s token but the body did not finish: %s", a.code, tokens[i].kind, describeErr(a.err))
				fix = "answer promptly with a short body; CIS2 will not wait"
			}
			return Result{Status: model.Fail, Message: msg, Fix: fix, Evidence: ev}
		}
	}
	var matrix []string
	for i, a := range answers {
		matrix = append(matrix, fmt.Sprintf("%s=%d", tokens[i].kind, a.code))
		ev["status."+tokens[i].kind] = strconv.Itoa(a.code)
	}
	ev["matrix"] = strings.Join(matrix, " ")
	ev["status"] = strconv.Itoa(first.code)
	ev["cache_control"] = sanitize.Clean(first.header.Get("Cache-Control"))
	if excerpt := sanitize.Clean(string(first.body)); excerpt != "" {
		ev["body"] = excerpt
	}
	noStore := hasDirective(first.header.Values("Cache-Control"), "no-store")
	ev["no_store"] = strconv.FormatBool(noStore)

	res := judgeMatrix(tokens, answers)
	res.Evidence = ev
	if noStore {
		res.Message += "; sets Cache-Control: no-store"
	} else {
		res.Message += "; does not set Cache-Control: no-store, which the spec asks for"
	}
	return res
}

// bclTokens is the matrix, built once per run before the check's own timeout starts: what it
// takes (the discovery document, CIS2's published key, ten signatures) is this tool's
// preparation, and the timeout is for the endpoint's answers. The first token is posted then
// too, bounded by the client's own timeout, so that the check's timeout is for one round trip
// more however slow the endpoint: ten answers in the time CIS2 would allow one.
type bclTokens struct {
	tokens []bogusToken
	ev     map[string]string
	err    error
	// client posts the matrix: a transport of its own (same dialer, so the same limits and
	// TLS session cache), so the connection the first token opened is there for the rest.
	client    *http.Client
	first     logoutAnswer
	firstTook time.Duration
}

// bclCheck is bcl.rejects-bogus-token for e, its tokens prepared in Check.After.
func (r *run) bclCheck(e endpoint) Check {
	var once shared[bclTokens]
	prepare := func(ctx context.Context) bclTokens {
		return once.get(func() bclTokens {
			ev := e.evidence()
			if e.url == nil {
				return bclTokens{ev: ev}
			}
			tokens, err := r.bogusLogoutTokens(ctx, ev)
			p := bclTokens{tokens: tokens, ev: ev, err: err, client: noRedirects(newHTTPClient(r.opts, r.dialer))}
			if err == nil {
				start := time.Now()
				p.first = r.postLogout(ctx, p.client, e.raw, tokens[0].token)
				p.firstTook = time.Since(start)
			}
			return p
		})
	}
	return Check{ID: IDBCL, Target: e.field, Priority: Critical,
		After: func(ctx context.Context) { prepare(ctx) },
		Run:   func(ctx context.Context) Result { return r.bcl(ctx, e, prepare(ctx)) }}
}

// judgeMatrix turns the answers into one verdict: any 2xx fails naming what was accepted; all
// 400 passes; otherwise the answers are judged one by one and the worst is reported.
func judgeMatrix(tokens []bogusToken, answers []logoutAnswer) Result {
	var accepted []string
	for i, a := range answers {
		if a.code >= 200 && a.code < 300 {
			accepted = append(accepted, tokens[i].accepts)
		}
	}
	switch {
	case len(accepted) == len(tokens):
		return Result{Status: model.Fail,
			Message: fmt.Sprintf("answered %d to all %d logout tokens CIS2 never signed: it accepts tokens it cannot have verified", answers[0].code, len(tokens)),
			Fix:     "verify the logout token's signature against CIS2's jwks_uri (RS256 only), then iss, aud, iat, exp, events and no nonce, and answer 400 when any check fails"}
	case len(accepted) > 0:
		return Result{Status: model.Fail,
			Message: "accepts " + strings.Join(accepted, ", ") + ": anyone could log your users out",
			Fix:     "verify the logout token's signature against CIS2's jwks_uri with the algorithm fixed to RS256 (never taken from the token), then iss, aud, iat, exp, events and no nonce; answer 400 when any check fails"}
	}
	worst := Result{Status: model.Pass,
		Message: fmt.Sprintf("answered 400 to each of the %d logout tokens CIS2 never signed (an unknown key, alg none, HS256 key confusion, a nonce, no or wrong events, expired, wrong aud, wrong iss), as OIDC Back-Channel Logout requires", len(tokens))}
	same := true
	var rules []Rule // every answer's, so that a milder answer shown does not hide another's rule
	for i, a := range answers {
		same = same && a.code == answers[0].code
		j := judgeLogoutStatus(a.code, a.header.Get("Location"))
		for _, rl := range j.Rules {
			if !slices.Contains(rules, rl) {
				rules = append(rules, rl)
			}
		}
		if rank(j.Status) > rank(worst.Status) {
			worst = j
			if len(tokens) > 1 {
				worst.Message = "to the " + tokens[i].kind + " token: " + worst.Message
			}
		}
	}
	if same && worst.Status != model.Pass {
		// One answer to everything (a 404, an allowlist's 403): say it once, plainly.
		worst = judgeLogoutStatus(answers[0].code, answers[0].header.Get("Location"))
	}
	worst.Rules = rules
	return worst
}

// The rules of bcl.rejects-bogus-token's warnings (Result.Rules).
const (
	// RuleBCLRefused: 401 or 403, a refusal before the token was read (an IP allowlist).
	RuleBCLRefused = "refused-unread"
	// RuleBCLStatus: another status than the 400 OIDC Back-Channel Logout 1.0 §2.8 requires.
	RuleBCLStatus = "not-400"
)

// judgeLogoutStatus judges one answer to a token the endpoint should have rejected.
func judgeLogoutStatus(code int, location string) Result {
	switch {
	case code == http.StatusBadRequest:
		return Result{Status: model.Pass, Message: "answered 400, as OIDC Back-Channel Logout requires"}
	case code >= 200 && code < 300:
		return Result{Status: model.Fail, Message: fmt.Sprintf("answered %d to a logout token CIS2 never signed: it accepts tokens it cannot have verified", code),
			Fix: "verify the logout token's signature against CIS2's jwks_uri (and iss, aud, iat, events) and answer 400 when it fails"}
	case code == http.StatusNotFound:
		return Result{Status: model.Fail, Message: "answered 404: nothing is served at this path",
			Fix: "check the path is exactly the one your application routes to its logout handler"}
	case code == http.StatusMethodNotAllowed:
		return Result{Status: model.Fail, Message: "answered 405: the endpoint does not accept POST",
			Fix: "accept POST with an application/x-www-form-urlencoded logout_token"}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		// NHS's own logout endpoint (NHSDigital/identity-service-api) allowlists CIS2's
		// addresses and answers 403 to anyone else, 401 to an unknown kid: a refusal here says
		// nothing about whether the token would be verified, so it is not a failure.
		return Result{Status: model.Warn, Rules: []Rule{{ID: RuleBCLRefused, Status: model.Warn}},
			Message: fmt.Sprintf("answered %d: inconclusive: the endpoint refused the probe before reading the token — "+
				"typical of an IP allowlist for CIS2's addresses; run from an allowlisted host or confirm with NHS", code),
			Fix: "run the check from an allowlisted host, or confirm with NHS; if it is session authentication or CSRF " +
				"protection instead, exempt the endpoint: CIS2 sends neither"}
	case code >= 300 && code < 400:
		return Result{Status: model.Fail,
			Message: fmt.Sprintf("answered %d, redirecting to %s: CIS2 does not follow redirects when it posts a logout token", code, sanitize.Clean(location)),
			Fix:     "register the final URL, and exempt it from login redirects"}
	case code >= 500:
		return Result{Status: model.Fail, Message: fmt.Sprintf("answered %d: the endpoint fails on an invalid token instead of rejecting it", code),
			Fix: "catch token validation errors and answer 400"}
	}
	return Result{Status: model.Warn, Rules: []Rule{{ID: RuleBCLStatus, Status: model.Warn}},
		Message: fmt.Sprintf("answered %d; OIDC Back-Channel Logout says to answer 400 to an invalid token", code),
		Fix:     "answer 400 when the logout token does not validate"}
}

// After the first token, the rest go one at a time, or all at once when the first answer took
// longer than bclSlowAnswer (a distant or slow endpoint).
const bclSlowAnswer = 300 * time.Millisecond

// logoutAnswer is what the endpoint said to one token. code is 0 when it never answered.
type logoutAnswer struct {
	code   int
	header http.Header
	body   []byte
	err    error
}

// postLogout POSTs one logout token as CIS2 does (client does not follow redirects).
func (r *run) postLogout(ctx context.Context, client *http.Client, endpoint, token string) logoutAnswer {
	form := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form))
	if err != nil {
		return logoutAnswer{err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return logoutAnswer{err: err}
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body, MaxSmallBody)
	if errors.Is(err, ErrBodyTooLarge) {
		err = nil // the excerpt is all a report shows
	}
	return logoutAnswer{code: resp.StatusCode, header: resp.Header, body: body, err: err}
}

// throwawayKey signs the bogus logout tokens: generated once per process, never stored or
// shown, so nobody can have its public half. RSA generation can take a second on a loaded
// machine; Plan starts it early so it is not charged to the check's timeout.
var throwawayKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// bogusToken is one row of the matrix: its kind (the evidence key), what accepting it means
// (for the failure message), and the token.
type bogusToken struct {
	kind, accepts string
	token         string
}

// Other values for the tokens broken in one claim.
const (
	otherClientID = "cis2-golive-other-client.apps.supplier"
	// wrongLogoutEvent is the logout event's URI with https: a plausible typo that a lenient
	// prefix or case-insensitive comparison would let through.
	wrongLogoutEvent = "https://schemas.openid.net/event/backchannel-logout"
)

// bogusLogoutTokens builds the matrix. Tokens carry the claims CIS2 would send (its issuer,
// your client_id, the logout event, sub and sid) except where a row breaks one. The RS256 rows
// are signed by the throwaway key under CIS2's own kid when CIS2's JWKS is known (--discovery),
// so an endpoint that picks the key by kid reaches the signature check rather than stopping at
// "unknown kid"; the HS256 rows are keyed with CIS2's public key, as a confused verifier would
// be (a throwaway public key without --discovery: the evidence says which).
func (r *run) bogusLogoutTokens(ctx context.Context, ev map[string]string) ([]bogusToken, error) {
	key, err := throwawayKey()
	if err != nil {
		return nil, err
	}
	cis2 := r.cis2PublicKey(ctx, ev)
	if cis2.pub == nil {
		cis2 = publicKeyOf(&key.PublicKey, "cis2-golive-unknown-key")
		ev["hs256_key"] = "a throwaway public key (pass --discovery to key them with CIS2's own)"
	} else {
		ev["hs256_key"] = "CIS2's published key " + sanitize.Clean(cis2.kid)
	}
	ev["kid"] = sanitize.Clean(cis2.kid)
	d := r.discovery(ctx)
	issuer := d.doc.Issuer
	if issuer == "" {
		// No document (an unreadable --discovery): the tokens still carry the environment's
		// issuer, so they look like CIS2's. They go to your endpoint only, never to NHS.
		issuer = r.cfg.CIS2().Issuer
	}
	now := r.opts.Now()
	aud := r.cfg.ClientID
	if aud == "" {
		aud = placeholderClientID
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss":    issuer,
			"aud":    aud,
			"sub":    "cis2-golive-test-user",
			"sid":    rand.Text(),
			"jti":    rand.Text(),
			"iat":    now.Unix(),
			"exp":    now.Add(2 * time.Minute).Unix(),
			"events": map[string]any{backchannelLogoutEvent: map[string]any{}},
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	rs256 := func(edit func(jwt.MapClaims)) (string, error) {
		t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(edit))
		t.Header["kid"] = cis2.kid
		return t.SignedString(key)
	}
	hs256 := func(secret []byte) (string, error) {
		t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
		t.Header["kid"] = cis2.kid
		return t.SignedString(secret)
	}
	otherIssuer := model.CIS2.Environments[model.Integration].Issuer
	if r.cfg.EffectiveEnvironment() == model.Integration {
		otherIssuer = model.CIS2.Environments[model.Production].Issuer
	}
	rows := []struct {
		kind, accepts string
		make          func() (string, error)
	}{
		{"unknown-key", "tokens signed by a key CIS2 never published", func() (string, error) { return rs256(nil) }},
		{"alg-none", "alg none tokens (unsigned)", func() (string, error) {
			return jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
		}},
		{"hs256-jwk", "HS256 tokens keyed with the bytes of CIS2's public JWK (key confusion)", func() (string, error) { return hs256(cis2.jwk) }},
		{"hs256-pem", "HS256 tokens keyed with CIS2's public key in PEM (key confusion)", func() (string, error) { return hs256(cis2.pem) }},
		{"nonce", "tokens carrying a nonce (BCL §2.4 forbids one)", func() (string, error) {
			return rs256(func(c jwt.MapClaims) { c["nonce"] = rand.Text() })
		}},
		{"no-events", "tokens without the logout event", func() (string, error) {
			return rs256(func(c jwt.MapClaims) { delete(c, "events") })
		}},
		{"wrong-events", "tokens whose events member is not the logout event", func() (string, error) {
			return rs256(func(c jwt.MapClaims) { c["events"] = map[string]any{wrongLogoutEvent: map[string]any{}} })
		}},
		{"expired", "expired tokens", func() (string, error) {
			return rs256(func(c jwt.MapClaims) {
				c["iat"], c["exp"] = now.Add(-10*time.Minute).Unix(), now.Add(-5*time.Minute).Unix()
			})
		}},
		{"wrong-aud", "tokens for another client (wrong aud)", func() (string, error) {
			return rs256(func(c jwt.MapClaims) { c["aud"] = otherClientID })
		}},
		{"wrong-iss", "tokens from another issuer (wrong iss)", func() (string, error) {
			return rs256(func(c jwt.MapClaims) { c["iss"] = otherIssuer })
		}},
	}
	// RSA signing is the costly part; on a loaded machine it is worth spreading over the cores.
	out := make([]bogusToken, len(rows))
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	for i, row := range rows {
		wg.Go(func() {
			tok, err := row.make()
			out[i], errs[i] = bogusToken{kind: row.kind, accepts: row.accepts, token: tok}, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s token: %w", rows[i].kind, err)
		}
	}
	return out, nil
}

// publicKey is a public key in the forms a confused HS256 verifier might use as its secret.
type publicKey struct {
	kid      string
	pub      *rsa.PublicKey
	jwk, pem []byte
}

func publicKeyOf(pub *rsa.PublicKey, kid string) publicKey {
	pk := publicKey{kid: kid, pub: pub}
	if k, err := keys.PublicJWK(pub, "RS256"); err == nil {
		pk.jwk = k.JSON
	}
	if der, err := x509.MarshalPKIXPublicKey(pub); err == nil {
		pk.pem = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	return pk
}

// cis2PublicKey is CIS2's first RSA signing key, fetched from the jwks_uri of the live
// discovery document, so only when --discovery opted in to contacting CIS2. A failure is
// noted in ev and the probe carries on with a throwaway key.
func (r *run) cis2PublicKey(ctx context.Context, ev map[string]string) publicKey {
	d := r.discovery(ctx)
	if !d.live || d.doc.JWKSURI == "" {
		return publicKey{}
	}
	note := func(msg string) publicKey { ev["cis2_jwks"] = msg; return publicKey{} }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.doc.JWKSURI, nil)
	if err != nil {
		return note("not a URL")
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return note("could not fetch CIS2's JWKS: " + describeErr(err))
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body, MaxDocumentBody)
	if err != nil || resp.StatusCode != http.StatusOK {
		return note(fmt.Sprintf("could not read CIS2's JWKS (HTTP %d)", resp.StatusCode))
	}
	set, err := keys.ParseSet(body)
	if err != nil {
		return note("CIS2's JWKS does not parse: " + sanitize.Clean(err.Error()))
	}
	for _, k := range set.Keys {
		if pub, ok := k.Public.(*rsa.PublicKey); ok && k.RawKID() != "" {
			pk := publicKeyOf(pub, k.RawKID())
			pk.jwk = k.JSON // exactly as CIS2 serves it
			return pk
		}
	}
	return note("CIS2's JWKS has no RSA key with a kid")
}

// hasDirective reports whether a Cache-Control header carries the directive.
func hasDirective(values []string, directive string) bool {
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), directive) {
				return true
			}
		}
	}
	return false
}
