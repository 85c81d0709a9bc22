package watch

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwk is a public JWK for key under kid, with an x5c chain when certs are given.
func jwk(t *testing.T, key *ecdsa.PrivateKey, kid string, certs ...*x509.Certificate) json.RawMessage {
	t.Helper()
	data, err := jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig", Certificates: certs}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func set(t *testing.T, ks ...json.RawMessage) *keys.Set {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": ks})
	if err != nil {
		t.Fatal(err)
	}
	s, err := keys.ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pkjConfig() *model.Config {
	return &model.Config{Environment: model.Production, TokenEndpointAuthMethod: model.PrivateKeyJWT,
		JWKSURI: "https://rp.example.org/jwks.json", TokenEndpointAuthSigningAlg: "RS512",
		RedirectURIs: []string{"https://rp.example.org/cb"}, BackchannelLogoutURI: "https://rp.example.org/bcl"}
}

// byID indexes results by id and target ("id target").
func byID(rs []checks.Result) map[string]checks.Result {
	m := map[string]checks.Result{}
	for _, r := range rs {
		m[r.ID+" "+r.Target] = r
	}
	return m
}

func changesOf(cs []Change, kind string) []Change {
	var out []Change
	for _, c := range cs {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

func TestJWKSDriftAddedRemovedReused(t *testing.T) {
	a, b, b2, c, d := ecKey(t), ecKey(t), ecKey(t), ecKey(t), ecKey(t)
	cfg := pkjConfig()

	rules, changes, first := Evaluate(nil, Observation{Config: cfg, JWKS: set(t, jwk(t, a, "a"), jwk(t, b, "b"), jwk(t, c, "c")), Now: t0})
	got := byID(rules)
	if r := got[IDKids+" jwks_uri"]; r.Status != model.Skip || !strings.Contains(r.Message, "baseline") {
		t.Errorf("first run drift.jwks.kids = %s %q, want a skip recording the baseline", r.Status, r.Message)
	}
	if len(changes) != 0 || first.JWKS == nil || len(first.JWKS.Keys) != 3 {
		t.Fatalf("first run: changes %v, state %+v", changes, first.JWKS)
	}

	// b now holds other key material, c left, d arrived.
	rules, changes, next := Evaluate(first, Observation{Config: cfg, JWKS: set(t, jwk(t, a, "a"), jwk(t, b2, "b"), jwk(t, d, "d")), Now: t0.Add(time.Hour)})
	got = byID(rules)
	if r := got[IDKids+" jwks_uri"]; r.Status != model.Warn || !strings.Contains(r.Message, "added kid d") || !strings.Contains(r.Message, "removed kid c") {
		t.Errorf("drift.jwks.kids = %s %q, want a warning naming d added and c removed", r.Status, r.Message)
	}
	if r := got[IDKidReused+" jwks_uri"]; r.Status != model.Fail || !strings.Contains(r.Message, "kid b") {
		t.Errorf("drift.jwks.kid-reused = %s %q, want a failure naming kid b", r.Status, r.Message)
	}
	if cs := changesOf(changes, KindAdded); len(cs) != 1 || cs[0].New != "kid d" || cs[0].Status != model.Pass {
		t.Errorf("added changes = %+v, want kid d (info)", cs)
	}
	if cs := changesOf(changes, KindRemoved); len(cs) != 1 || cs[0].Old != "kid c" || cs[0].Status != model.Warn {
		t.Errorf("removed changes = %+v, want kid c (warn)", cs)
	}
	if cs := changesOf(changes, KindReused); len(cs) != 1 || cs[0].Status != model.Fail || cs[0].Old == cs[0].New {
		t.Errorf("reused changes = %+v, want kid b with two thumbprints", cs)
	}
	if len(next.Retired) != 1 || next.Retired[0].KID != "c" {
		t.Errorf("retired = %+v, want c", next.Retired)
	}

	// c comes back under its kid with other material: still a reuse, from the retired list.
	c2 := ecKey(t)
	rules, _, _ = Evaluate(next, Observation{Config: cfg, JWKS: set(t, jwk(t, a, "a"), jwk(t, b2, "b"), jwk(t, d, "d"), jwk(t, c2, "c")), Now: t0.Add(2 * time.Hour)})
	if r := byID(rules)[IDKidReused+" jwks_uri"]; r.Status != model.Fail || !strings.Contains(r.Message, "kid c") {
		t.Errorf("a retired kid back with new material: %s %q, want a failure naming kid c", r.Status, r.Message)
	}
	// Another jwks_uri is another baseline, not every key removed.
	moved := pkjConfig()
	moved.JWKSURI = "https://rp.example.org/v2/jwks.json"
	rules, changes, _ = Evaluate(next, Observation{Config: moved, JWKS: set(t, jwk(t, d, "d")), Now: t0.Add(2 * time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Skip || !strings.Contains(r.Message, "baseline") || len(changes) != 0 {
		t.Errorf("moved jwks_uri: %s %q, changes %v; want a new baseline", r.Status, r.Message, changes)
	}
	// The same set again: nothing changed.
	rules, changes, _ = Evaluate(next, Observation{Config: cfg, JWKS: set(t, jwk(t, a, "a"), jwk(t, b2, "b"), jwk(t, d, "d")), Now: t0.Add(2 * time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Pass || len(changes) != 0 {
		t.Errorf("unchanged set: %s %q, changes %v; want a pass and no change", r.Status, r.Message, changes)
	}
}

func TestSigningKidRemovedFails(t *testing.T) {
	a, b := ecKey(t), ecKey(t)
	cfg := pkjConfig()
	passed := []checks.Result{{ID: checks.IDAssertion, Target: "jwks_uri", Status: model.Pass, Evidence: map[string]string{"kid": "a"}}}
	_, _, first := Evaluate(nil, Observation{Config: cfg, Results: passed, JWKS: set(t, jwk(t, a, "a"), jwk(t, b, "b")), Now: t0})
	if first.SigningKID != "a" {
		t.Fatalf("signing kid = %q, want a", first.SigningKID)
	}
	// Signing moved to b (the assertion now passes with b): removing a is the end of a rotation.
	movedOn := []checks.Result{{ID: checks.IDAssertion, Target: "jwks_uri", Status: model.Pass, Evidence: map[string]string{"kid": "b"}}}
	rules, _, _ := Evaluate(first, Observation{Config: cfg, Results: movedOn, JWKS: set(t, jwk(t, b, "b")), Now: t0.Add(time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Warn {
		t.Errorf("removing a key no longer signed with: %s %q, want warn", r.Status, r.Message)
	}
	// Without a passing assertion this run, the last one's kid counts: removing it fails.
	rules, changes, next := Evaluate(first, Observation{Config: cfg, JWKS: set(t, jwk(t, b, "b")), Now: t0.Add(time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Fail || !strings.Contains(r.Message, "kid a") || r.Fix == "" {
		t.Errorf("signing kid removed: %s %q, want a failure naming kid a, with a fix", r.Status, r.Message)
	}
	if cs := changesOf(changes, KindRemoved); len(cs) != 1 || cs[0].Status != model.Fail {
		t.Errorf("removed changes = %+v, want one failure", cs)
	}
	if next.SigningKID != "a" {
		t.Errorf("the signing kid is kept until an assertion passes with another: got %q", next.SigningKID)
	}

	// The round after: the JWKS is unchanged, but the kid last signed with is still missing.
	// That is no recovery: it fails until the key is back or an assertion passes with another.
	rules, changes, next = Evaluate(next, Observation{Config: cfg, JWKS: set(t, jwk(t, b, "b")), Now: t0.Add(2 * time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Fail || !strings.Contains(r.Message, "kid a") || !strings.Contains(r.Message, "still not in the JWKS") || r.Fix == "" {
		t.Errorf("signing kid still missing a round later: %s %q, want a failure naming kid a, with a fix", r.Status, r.Message)
	}
	if len(changes) != 0 {
		t.Errorf("nothing changed since the last round: %+v", changes)
	}
	// Signing moved to b: the watch follows, and the missing a no longer matters.
	rules, _, _ = Evaluate(next, Observation{Config: cfg, Results: movedOn, JWKS: set(t, jwk(t, b, "b")), Now: t0.Add(3 * time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Pass {
		t.Errorf("after signing moved to b: %s %q, want pass", r.Status, r.Message)
	}
	// Another jwks_uri altogether: the kid signed with at the old one is not looked for there.
	moved := pkjConfig()
	moved.JWKSURI = "https://rp.example.org/v2/jwks.json"
	_, _, there := Evaluate(next, Observation{Config: moved, JWKS: set(t, jwk(t, b, "b")), Now: t0.Add(3 * time.Hour)})
	rules, _, _ = Evaluate(there, Observation{Config: moved, JWKS: set(t, jwk(t, b, "b")), Now: t0.Add(4 * time.Hour)})
	if r := byID(rules)[IDKids+" jwks_uri"]; r.Status != model.Pass {
		t.Errorf("a new jwks_uri without the old signing kid: %s %q, want pass", r.Status, r.Message)
	}
}

func TestJWKSNotFetchedKeepsBaseline(t *testing.T) {
	a := ecKey(t)
	cfg := pkjConfig()
	_, _, first := Evaluate(nil, Observation{Config: cfg, JWKS: set(t, jwk(t, a, "a")), Now: t0})
	rules, _, next := Evaluate(first, Observation{Config: cfg, Now: t0.Add(time.Hour)})
	for _, id := range []string{IDKids, IDKidReused, IDExpiryX5C} {
		if r := byID(rules)[id+" jwks_uri"]; r.Status != model.Skip || !strings.Contains(r.Message, "jwks.fetch") {
			t.Errorf("%s without a JWKS: %s %q, want a skip pointing at jwks.fetch", id, r.Status, r.Message)
		}
	}
	if next.JWKS == nil || !next.JWKS.SeenAt.Equal(t0) {
		t.Errorf("the baseline must survive a run that could not fetch the JWKS: %+v", next.JWKS)
	}
}

func TestExpiryThresholds(t *testing.T) {
	notAfter := t0.Add(90 * 24 * time.Hour)
	tests := []struct {
		left time.Duration
		want model.Severity
		text string
	}{
		{40 * 24 * time.Hour, model.Pass, "expires in 40 days"},
		{30*24*time.Hour + time.Minute, model.Pass, "expires in 30 days"},
		{10 * 24 * time.Hour, model.Warn, "expires in 10 days"},
		{7*24*time.Hour + time.Minute, model.Warn, "expires in 7 days"},
		{3 * 24 * time.Hour, model.Fail, "expires in 3 days"},
		{time.Hour, model.Fail, "expires in less than a day"},
		{-time.Hour, model.Fail, "expired on"},
	}
	for _, tt := range tests {
		now := notAfter.Add(-tt.left)
		results := []checks.Result{{ID: checks.IDTLS, Target: "jwks_uri", Status: model.Pass,
			Evidence: map[string]string{"url": "https://rp.example.org/jwks.json", "not_after": notAfter.Format(time.RFC3339)}}}
		rules, _, _ := Evaluate(nil, Observation{Config: &model.Config{}, Results: results, Now: now})
		r := byID(rules)[IDExpiryTLS+" jwks_uri"]
		if r.Status != tt.want || !strings.Contains(r.Message, tt.text) {
			t.Errorf("%s left: %s %q, want %s %q", tt.left, r.Status, r.Message, tt.want, tt.text)
		}
		if tt.want != model.Pass && !strings.Contains(r.Fix, "rp.example.org") {
			t.Errorf("%s left: fix %q should name the URL", tt.left, r.Fix)
		}
	}
	// No certificate seen (the handshake failed) is a skip, and no TLS at all is no result.
	results := []checks.Result{
		{ID: checks.IDTLS, Target: "redirect_uris[0]", Status: model.Fail, Evidence: map[string]string{"url": "https://x"}},
		{ID: checks.IDTLS, Target: "redirect_uris[1]", Status: model.Skip, Message: "not an https URI"},
	}
	rules, _, _ := Evaluate(nil, Observation{Config: &model.Config{}, Results: results, Now: t0})
	got := byID(rules)
	if r := got[IDExpiryTLS+" redirect_uris[0]"]; r.Status != model.Skip {
		t.Errorf("failed handshake: %s %q, want skip", r.Status, r.Message)
	}
	if _, ok := got[IDExpiryTLS+" redirect_uris[1]"]; ok {
		t.Error("a URI without TLS should have no expiry.tls result")
	}
}

func selfSigned(t *testing.T, key *ecdsa.PrivateKey, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jwks signer"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestExpiryX5C(t *testing.T) {
	a, b, c := ecKey(t), ecKey(t), ecKey(t)
	cfg := pkjConfig()
	s := set(t,
		jwk(t, a, "soon", selfSigned(t, a, t0.Add(3*24*time.Hour))),
		jwk(t, b, "later", selfSigned(t, b, t0.Add(200*24*time.Hour))),
		jwk(t, c, "plain"))
	rules, _, _ := Evaluate(nil, Observation{Config: cfg, JWKS: s, Now: t0})
	got := byID(rules)
	if r := got[IDExpiryX5C+" jwks_uri (kid soon)"]; r.Status != model.Fail || !strings.Contains(r.Message, "expires in 3 days") {
		t.Errorf("x5c expiring in 3 days: %s %q, want fail", r.Status, r.Message)
	}
	if r := got[IDExpiryX5C+" jwks_uri (kid later)"]; r.Status != model.Pass {
		t.Errorf("x5c expiring in 200 days: %s %q, want pass", r.Status, r.Message)
	}
	if _, ok := got[IDExpiryX5C+" jwks_uri (kid plain)"]; ok {
		t.Error("a key without x5c should have no expiry result of its own")
	}
	var bad map[string]any
	json.Unmarshal(jwk(t, c, "bad"), &bad)
	bad["x5c"] = []string{"not base64!"}
	badJSON, _ := json.Marshal(bad)
	rules, _, _ = Evaluate(nil, Observation{Config: cfg, JWKS: set(t, badJSON), Now: t0})
	if r := byID(rules)[IDExpiryX5C+" jwks_uri (kid bad)"]; r.Status != model.Skip || !strings.Contains(r.Message, "could not be read") {
		t.Errorf("unreadable x5c: %s %q, want a skip saying why", r.Status, r.Message)
	}
	rules, _, _ = Evaluate(nil, Observation{Config: cfg, JWKS: set(t, jwk(t, c, "plain")), Now: t0})
	if r := byID(rules)[IDExpiryX5C+" jwks_uri"]; r.Status != model.Skip || !strings.Contains(r.Message, "no key") {
		t.Errorf("no x5c anywhere: %s %q, want one skip saying so", r.Status, r.Message)
	}
}

func TestDiscoveryDrift(t *testing.T) {
	cfg := pkjConfig()
	cfg.UserinfoSignedResponseAlg = "RS256"
	base := checks.Discovery{
		Issuer: "https://cis2.example/realm", TokenEndpoint: "https://cis2.example/realm/access_token",
		AuthMethods: []string{"private_key_jwt", "client_secret_basic"}, TokenAuthAlgs: []string{"RS256", "RS512"},
		IDTokenAlgs: []string{"RS256"}, UserinfoAlgs: []string{"RS256"}, ACRValues: []string{"AAL3_ANY", "AAL2_ANY"},
		ResponseModes: []string{"query"},
	}
	url := "https://cis2.example/realm/.well-known/openid-configuration"
	rules, _, first := Evaluate(nil, Observation{Config: cfg, DiscoveryURL: url, Discovery: &base, Now: t0})
	if r := byID(rules)[IDDiscovery+" discovery"]; r.Status != model.Skip || !strings.Contains(r.Message, "baseline") {
		t.Errorf("first read: %s %q, want a baseline skip", r.Status, r.Message)
	}
	rules, changes, _ := Evaluate(first, Observation{Config: cfg, DiscoveryURL: url, Discovery: &base, Now: t0.Add(time.Hour)})
	if r := byID(rules)[IDDiscovery+" discovery"]; r.Status != model.Pass || len(changes) != 0 {
		t.Errorf("same document: %s %q %v, want pass, no change", r.Status, r.Message, changes)
	}

	tests := []struct {
		name  string
		edit  func(*checks.Discovery)
		field string
		want  model.Severity
	}{
		{"issuer", func(d *checks.Discovery) { d.Issuer = "https://cis2.example/other" }, "issuer", model.Fail},
		{"token endpoint", func(d *checks.Discovery) { d.TokenEndpoint = "https://cis2.example/realm/token" }, "token_endpoint", model.Warn},
		{"declared alg withdrawn", func(d *checks.Discovery) { d.TokenAuthAlgs = []string{"RS256"} }, "token_endpoint_auth_signing_alg_values_supported", model.Fail},
		{"other alg withdrawn", func(d *checks.Discovery) { d.TokenAuthAlgs = []string{"RS512"} }, "token_endpoint_auth_signing_alg_values_supported", model.Pass},
		{"method withdrawn", func(d *checks.Discovery) { d.AuthMethods = []string{"client_secret_basic"} }, "token_endpoint_auth_methods_supported", model.Fail},
		{"userinfo alg withdrawn", func(d *checks.Discovery) { d.UserinfoAlgs = []string{"PS256"} }, "userinfo_signing_alg_values_supported", model.Fail},
		{"acr value withdrawn", func(d *checks.Discovery) { d.ACRValues = []string{"AAL3_ANY"} }, "acr_values_supported", model.Warn},
		{"acr value added", func(d *checks.Discovery) { d.ACRValues = append(d.ACRValues, "AAL1_USERPASS") }, "acr_values_supported", model.Pass},
		{"response mode withdrawn", func(d *checks.Discovery) { d.ResponseModes = nil }, "response_modes_supported", model.Warn},
		{"id token alg withdrawn", func(d *checks.Discovery) { d.IDTokenAlgs = []string{"PS256"} }, "id_token_signing_alg_values_supported", model.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			d.AuthMethods, d.TokenAuthAlgs, d.ACRValues = append([]string(nil), base.AuthMethods...), append([]string(nil), base.TokenAuthAlgs...), append([]string(nil), base.ACRValues...)
			tt.edit(&d)
			rules, changes, _ := Evaluate(first, Observation{Config: cfg, DiscoveryURL: url, Discovery: &d, Now: t0.Add(time.Hour)})
			r := byID(rules)[IDDiscovery+" discovery"]
			if r.Status != tt.want || !strings.Contains(r.Message, tt.field+" changed") {
				t.Errorf("%s %q, want %s naming %s", r.Status, r.Message, tt.want, tt.field)
			}
			if len(changes) != 1 || changes[0].Target != tt.field || changes[0].Status != tt.want {
				t.Errorf("changes = %+v, want one on %s (%s)", changes, tt.field, tt.want)
			}
		})
	}

	rules, _, _ = Evaluate(first, Observation{Config: cfg, Now: t0})
	if r := byID(rules)[IDDiscovery+" discovery"]; r.Status != model.Skip || !strings.Contains(r.Message, "--discovery") {
		t.Errorf("no --discovery: %s %q, want a skip naming the flag", r.Status, r.Message)
	}
}

func TestConfigDrift(t *testing.T) {
	submitted := pkjConfig()
	submitted.Product, submitted.ContactEmail = "EPR", "a@rp.example.org"
	tests := []struct {
		name string
		edit func(*model.Config)
		want model.Severity
		msg  string
	}{
		{"same", func(*model.Config) {}, model.Pass, "matches"},
		{"jwks_uri moved", func(c *model.Config) { c.JWKSURI = "https://rp.example.org/v2/jwks.json" }, model.Fail, "NHS must receive an update for jwks_uri"},
		{"redirect added", func(c *model.Config) { c.RedirectURIs = append(c.RedirectURIs, "https://rp.example.org/cb2") }, model.Fail, "redirect_uris[1]"},
		{"product renamed", func(c *model.Config) { c.Product = "EPR 2" }, model.Warn, "ask NHS about product"},
		{"contact changed", func(c *model.Config) { c.ContactEmail = "b@rp.example.org" }, model.Pass, "no update needed for contact_email"},
		{"environment left out", func(c *model.Config) { c.Environment = "" }, model.Pass, "matches"},
		{"login page set", func(c *model.Config) { c.LoginURL = "https://rp.example.org/login" }, model.Pass, "matches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := submitted.Clone()
			tt.edit(&live)
			rules, _, _ := Evaluate(nil, Observation{Config: &live, Submitted: submitted, SubmittedPath: "sub.json", Now: t0})
			r := byID(rules)[IDConfigDrift+" sub.json"]
			if r.Status != tt.want || !strings.Contains(r.Message, tt.msg) {
				t.Errorf("%s %q, want %s containing %q", r.Status, r.Message, tt.want, tt.msg)
			}
		})
	}
	rules, _, _ := Evaluate(nil, Observation{Config: submitted, Now: t0})
	if r := byID(rules)[IDConfigDrift+" config"]; r.Status != model.Skip || !strings.Contains(r.Message, "--submitted") {
		t.Errorf("no --submitted: %s %q, want a skip naming the flag", r.Status, r.Message)
	}
}

func TestMarkRegressions(t *testing.T) {
	prev := &State{RunAt: t0, Results: []Outcome{
		{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass}, {ID: "jwks.lint", Target: "jwks_uri", Status: model.Warn},
		{ID: "bcl.rejects-bogus-token", Target: "backchannel_logout_uri", Status: model.Fail}, {ID: "uri.reachable", Target: "jwks_uri", Status: model.Skip},
	}}
	rs := []checks.Result{
		{ID: "uri.tls", Target: "jwks_uri", Status: model.Fail, Message: "handshake failed"},
		{ID: "jwks.lint", Target: "jwks_uri", Status: model.Fail},
		{ID: "bcl.rejects-bogus-token", Target: "backchannel_logout_uri", Status: model.Pass},
		{ID: "uri.reachable", Target: "jwks_uri", Status: model.Fail}, // skipped before: not a regression
		{ID: "uri.resolve", Target: "jwks_uri", Status: model.Fail},   // new: not a regression
	}
	cs := markRegressions(prev, rs)
	if got := changesOf(cs, KindRegression); len(got) != 2 || got[0].ID != "uri.tls" || got[1].ID != "jwks.lint" {
		t.Errorf("regressions = %+v, want uri.tls and jwks.lint", got)
	}
	if got := changesOf(cs, KindRecovered); len(got) != 1 || got[0].ID != "bcl.rejects-bogus-token" {
		t.Errorf("recoveries = %+v, want the logout check", got)
	}
	if !strings.Contains(rs[0].Evidence["regression"], "was pass on 2026-03-02T09:00:00Z") || rs[3].Evidence["regression"] != "" {
		t.Errorf("evidence marks: %v / %v", rs[0].Evidence, rs[3].Evidence)
	}
	if markRegressions(nil, rs) != nil {
		t.Error("the first run has nothing to regress from")
	}
}

// A skip keeps the status the result had when it last ran, so the run after compares with it.
func TestOutcomesCarrySkippedResults(t *testing.T) {
	first := &State{RunAt: t0, Results: outcomes(nil, []checks.Result{
		{ID: "jwks.lint", Target: "jwks_uri", Status: model.Pass}, {ID: "uri.tls", Target: "jwks_uri", Status: model.Fail}})}
	blind := &State{RunAt: t0.Add(time.Hour), Results: outcomes(first, []checks.Result{
		{ID: "jwks.lint", Target: "jwks_uri", Status: model.Skip}, {ID: "uri.tls", Target: "jwks_uri", Status: model.Skip}})}
	if o := blind.Results[0]; o.Status != model.Pass || !o.SeenAt.Equal(t0) {
		t.Errorf("skipped jwks.lint kept as %+v, want pass seen at %s", o, t0)
	}
	rs := []checks.Result{{ID: "jwks.lint", Target: "jwks_uri", Status: model.Fail}, {ID: "uri.tls", Target: "jwks_uri", Status: model.Pass}}
	cs := markRegressions(blind, rs)
	if got := changesOf(cs, KindRegression); len(got) != 1 || got[0].ID != "jwks.lint" || rs[0].Evidence["regression"] != "was pass on 2026-03-02T09:00:00Z" {
		t.Errorf("regressions %+v, evidence %v; want jwks.lint, from the run that last saw it", got, rs[0].Evidence)
	}
	if got := changesOf(cs, KindRecovered); len(got) != 1 || got[0].ID != "uri.tls" {
		t.Errorf("recoveries %+v, want uri.tls", got)
	}
	// A result that ran is kept as it is, and so is one never seen run.
	again := outcomes(blind, []checks.Result{{ID: "jwks.lint", Target: "jwks_uri", Status: model.Warn}, {ID: "new", Target: "x", Status: model.Skip}})
	if again[0].Status != model.Warn || !again[0].SeenAt.IsZero() || again[1].Status != model.Skip {
		t.Errorf("outcomes = %+v", again)
	}
}

// A JWKS that does not answer still has the x5c certificates it last served: their expiry is
// judged from the state, so an expiring chain is not hidden (nor its metric dropped) by an
// outage.
func TestExpiryX5CWhenTheJWKSIsNotFetched(t *testing.T) {
	a, b := ecKey(t), ecKey(t)
	cfg := pkjConfig()
	s := set(t, jwk(t, a, "soon", selfSigned(t, a, t0.Add(10*24*time.Hour))), jwk(t, b, "plain"))
	_, _, first := Evaluate(nil, Observation{Config: cfg, JWKS: s, Now: t0})
	rules, _, next := Evaluate(first, Observation{Config: cfg, Now: t0.Add(5 * 24 * time.Hour)})
	r := byID(rules)[IDExpiryX5C+" jwks_uri (kid soon)"]
	if r.Status != model.Fail || !strings.Contains(r.Message, "expires in 5 days") || !strings.Contains(r.Message, "jwks.fetch") || r.Evidence["not_after"] == "" {
		t.Errorf("x5c expiring in 5 days, JWKS not fetched: %s %q %v; want a failure from the last JWKS seen", r.Status, r.Message, r.Evidence)
	}
	if _, ok := byID(rules)[IDExpiryX5C+" jwks_uri (kid plain)"]; ok {
		t.Error("a key without x5c has no expiry result")
	}
	// Still not fetched in the run after: the state still knows the date.
	rules, _, _ = Evaluate(next, Observation{Config: cfg, Now: t0.Add(11 * 24 * time.Hour)})
	if r := byID(rules)[IDExpiryX5C+" jwks_uri (kid soon)"]; r.Status != model.Fail || !strings.Contains(r.Message, "expired on") {
		t.Errorf("x5c expired, JWKS still not fetched: %s %q", r.Status, r.Message)
	}
	// Never fetched: nothing to go on.
	rules, _, _ = Evaluate(nil, Observation{Config: cfg, Now: t0})
	if r := byID(rules)[IDExpiryX5C+" jwks_uri"]; r.Status != model.Skip || !strings.Contains(r.Message, "jwks.fetch") {
		t.Errorf("JWKS never fetched: %s %q, want a skip", r.Status, r.Message)
	}
}

// A kid that moves to a key of another type (RSA to EC) is a reuse like any other: the
// thumbprints differ (RFC 7638 §3.2 hashes kty with the key's members).
func TestKidReusedAcrossKeyTypes(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaJWK, err := jose.JSONWebKey{Key: &rsaKey.PublicKey, KeyID: "k", Algorithm: "RS256", Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	cfg := pkjConfig()
	_, _, first := Evaluate(nil, Observation{Config: cfg, JWKS: set(t, rsaJWK), Now: t0})
	rules, changes, _ := Evaluate(first, Observation{Config: cfg, JWKS: set(t, jwk(t, ecKey(t), "k")), Now: t0.Add(time.Hour)})
	if r := byID(rules)[IDKidReused+" jwks_uri"]; r.Status != model.Fail {
		t.Errorf("kid k from RSA to EC: %s %q, want a failure", r.Status, r.Message)
	}
	if cs := changesOf(changes, KindReused); len(cs) != 1 || len(changesOf(changes, KindRemoved)) != 0 {
		t.Errorf("changes %+v, want one reuse and no removal", changes)
	}
}
