package sim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// servingJWKS is an app whose jwks_uri answers body, whatever it is.
func servingJWKS(t *testing.T, a *app, body []byte) *app {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return &app{key: a.key, kid: a.kid, srv: srv}
}

// jwkJSON is one public JWK as JSON, with the members given.
func jwkJSON(t *testing.T, pub any, kid, alg string, private any) json.RawMessage {
	t.Helper()
	k := jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}
	if private != nil {
		k.Key = private
	}
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func setJSON(keys ...json.RawMessage) []byte {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// tokenStatus runs one sign-in and exchanges its code with assertion.
func tokenStatus(t *testing.T, p *Provider, assertion string) (int, map[string]any) {
	t.Helper()
	got, w := authorize(t, p, authorizeParams(verifier))
	if got == nil {
		t.Fatalf("authorize: %d %s", w.Code, w.Body)
	}
	return exchange(t, p, tokenForm(got.Get("code"), assertion))
}

// TestClientAssertionRefusedAsCIS2Would covers the rest of CIS2's private_key_jwt rules: the
// registered alg only, a kid from the published JWKS, one use per jti, and the provider's own
// clock for exp and iat.
func TestClientAssertionRefusedAsCIS2Would(t *testing.T) {
	a := newApp(t)
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	sign := func(m jwt.SigningMethod, kid string, edit func(jwt.MapClaims)) string {
		now := time.Now()
		c := jwt.MapClaims{"iss": testClient, "sub": testClient, "aud": p.TokenEndpoint(),
			"jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		tok := jwt.NewWithClaims(m, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(a.key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := map[string]struct {
		assertion string
		why       string
	}{
		"RS256 where RS512 is registered": {sign(jwt.SigningMethodRS256, a.kid, nil), "registered token_endpoint_auth_signing_alg is RS512"},
		"no kid":                          {sign(jwt.SigningMethodRS512, "", nil), "no kid"},
		"a kid the JWKS lacks":            {sign(jwt.SigningMethodRS512, "other-kid", nil), `kid "other-kid" is not in`},
		"sub is not the client":           {sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { c["sub"] = "someone" }), "must both be the client_id"},
		"expired":                         {sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), "ago by CIS2's clock"},
		"no exp":                          {sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { delete(c, "exp") }), "exp"},
		"issued in the future":            {sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() }), "the application's clock is fast"},
		"no jti":                          {sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { delete(c, "jti") }), "no jti"},
		"aud as an array without the token endpoint": {sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { c["aud"] = []string{p.Issuer()} }), "want the token endpoint"},
	}
	for name, c := range cases {
		code, body := tokenStatus(t, p, c.assertion)
		if code != 400 || body["error"] != "invalid_client" || body["error_description"] != jwtNotValid {
			t.Errorf("%s: %d %v, want invalid_client / %s", name, code, body, jwtNotValid)
		}
		if ev := lastEvent(p, Token); !strings.Contains(ev.Plain, c.why) {
			t.Errorf("%s: event %q, want the reason %q", name, ev.Plain, c.why)
		}
	}

	// The token endpoint in an array is the token endpoint (RFC 7523 §3 point 3).
	if code, body := tokenStatus(t, p, sign(jwt.SigningMethodRS512, a.kid, func(c jwt.MapClaims) { c["aud"] = []string{p.TokenEndpoint()} })); code != 200 {
		t.Errorf("aud [token endpoint]: %d %v", code, body)
	}
	// A replayed assertion is refused, though it is still within its lifetime.
	once := sign(jwt.SigningMethodRS512, a.kid, nil)
	if code, body := tokenStatus(t, p, once); code != 200 {
		t.Fatalf("first use: %d %v", code, body)
	}
	if code, _ := tokenStatus(t, p, once); code != 400 || !strings.Contains(lastEvent(p, Token).Plain, "already used") {
		t.Errorf("replayed assertion: %d (event %q), want refused as a replay", code, lastEvent(p, Token).Plain)
	}
}

// TestClientAssertionUsesTheProvidersClock: exp and iat are judged by the provider's clock,
// as every other lifetime is, not by the machine's.
func TestClientAssertionUsesTheProvidersClock(t *testing.T) {
	a := newApp(t)
	later := func() time.Time { return time.Now().Add(time.Hour) }
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001", Now: later})
	// Made now, for five minutes: at the provider's clock an hour on, it expired long ago.
	code, body := tokenStatus(t, p, a.assertion(t, nil))
	if code != 400 || body["error"] != "invalid_client" || !strings.Contains(lastEvent(p, Token).Plain, "ago by CIS2's clock") {
		t.Errorf("an assertion expired by the provider's clock: %d %v (event %q)", code, body, lastEvent(p, Token).Plain)
	}
}

// TestClientAssertionKeySelection picks the key as the live checks describe CIS2 doing it:
// among the JWKS keys with the header's kid, the one that can verify the registered alg
// (RFC 7517 §4.5 lets keys of different types share a kid).
func TestClientAssertionKeySelection(t *testing.T) {
	a := newApp(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	shared := servingJWKS(t, a, setJSON(jwkJSON(t, ec.Public(), a.kid, "ES256", nil), jwkJSON(t, a.key.Public(), a.kid, "RS512", nil)))
	p := newProvider(t, Options{Client: pkjConfig(shared), HTTPClient: shared.srv.Client(), AutoLogin: "555000000001"})
	if code, body := tokenStatus(t, p, a.assertion(t, nil)); code != 200 {
		t.Errorf("EC and RSA keys sharing the kid, EC first: %d %v (event %q)", code, body, lastEvent(p, Token).Plain)
	}

	other, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	twice := servingJWKS(t, a, setJSON(jwkJSON(t, other.Public(), a.kid, "RS512", nil), jwkJSON(t, a.key.Public(), a.kid, "RS512", nil)))
	p = newProvider(t, Options{Client: pkjConfig(twice), HTTPClient: twice.srv.Client(), AutoLogin: "555000000001"})
	if code, _ := tokenStatus(t, p, a.assertion(t, nil)); code != 400 || !strings.Contains(lastEvent(p, Token).Plain, "2 keys") {
		t.Errorf("two RSA keys under one kid: %d (event %q), want refused as ambiguous", code, lastEvent(p, Token).Plain)
	}
}

// TestAppJWKSShape: a jwks_uri must serve a JWK Set (RFC 7517 §5), as the live jwks.fetch
// check says; one that leaks private key material is a finding, though CIS2 would still use
// its public half.
func TestAppJWKSShape(t *testing.T) {
	a := newApp(t)
	bare := servingJWKS(t, a, jwkJSON(t, a.key.Public(), a.kid, "RS512", nil))
	p := newProvider(t, Options{Client: pkjConfig(bare), HTTPClient: bare.srv.Client(), AutoLogin: "555000000001"})
	if code, _ := tokenStatus(t, p, a.assertion(t, nil)); code != 400 || !strings.Contains(lastEvent(p, AppJWKS).Plain, "not a JWK Set") {
		t.Errorf("a bare JWK at jwks_uri: %d (event %q), want refused", code, lastEvent(p, AppJWKS).Plain)
	}

	leaky := servingJWKS(t, a, setJSON(jwkJSON(t, nil, a.kid, "RS512", a.key)))
	p = newProvider(t, Options{Client: pkjConfig(leaky), HTTPClient: leaky.srv.Client(), AutoLogin: "555000000001"})
	code, _ := tokenStatus(t, p, a.assertion(t, nil))
	ev := lastEvent(p, AppJWKS)
	if code != 200 || ev.Finding != model.Fail || !strings.Contains(ev.Plain, "PRIVATE") {
		t.Errorf("a JWKS with the private key: %d, event %s %q; want the sign-in to work and a failing finding", code, ev.Finding, ev.Plain)
	}
}

// TestClientAssertionRefusalsInPlainWords: the reasons the sim gives (CIS2 says only "JWT is
// not valid") name what is wrong, without the JWT library's jargon.
func TestClientAssertionRefusalsInPlainWords(t *testing.T) {
	a := newApp(t)
	other, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	forged := jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"iss": testClient, "sub": testClient, "aud": p.TokenEndpoint(),
		"jti": rand.Text(), "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()})
	forged.Header["kid"] = a.kid
	forgedJWT, _ := forged.SignedString(other)
	cases := map[string]struct{ assertion, want string }{
		"signed by another key": {forgedJWT, "the signature does not verify with the key published under kid"},
		"not a JWT":             {"not-a-jwt", "client_assertion is not a JWT"},
	}
	for name, c := range cases {
		tokenStatus(t, p, c.assertion)
		plain := lastEvent(p, Token).Plain
		if !strings.Contains(plain, c.want) || strings.Contains(plain, "keyfunc") || strings.Contains(plain, "token is") {
			t.Errorf("%s: %q, want %q and no library jargon", name, plain, c.want)
		}
	}
	shared := servingJWKS(t, a, setJSON(jwkJSON(t, a.key.Public(), a.kid, "RS256", nil)))
	p = newProvider(t, Options{Client: pkjConfig(shared), HTTPClient: shared.srv.Client(), AutoLogin: "555000000001"})
	tokenStatus(t, p, a.assertion(t, nil))
	if plain := lastEvent(p, Token).Plain; !strings.Contains(plain, "cannot verify RS512: it is limited to alg RS256") || strings.Contains(plain, "keyfunc") {
		t.Errorf("a published key limited to another alg: %q", plain)
	}
}
