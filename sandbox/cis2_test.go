package sandbox

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/sim"
)

func TestTokenEndpointAcceptsGoodAssertion(t *testing.T) {
	s := start(t, Options{})
	code, h, body := postForm(t, s, s.TokenEndpoint(), tokenRequest(goodAssertion(s).sign(t)))
	if code != 400 || body["error"] != "invalid_grant" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("good assertion + dummy code: %d %v (last refusal %q); want 400 invalid_grant", code, body, lastRefusal(s))
	}
}

func TestTokenEndpointRejectsBadClients(t *testing.T) {
	s := start(t, Options{})
	other := throwawayKey(t)
	replayed := goodAssertion(s).sign(t)
	postForm(t, s, s.TokenEndpoint(), tokenRequest(replayed))

	cases := []struct {
		name, why string
		spoil     func(*assertion)
		form      func(url.Values)
	}{
		{"aud is the issuer", "that is the issuer", func(a *assertion) { a.claims["aud"] = s.Issuer() }, nil},
		{"aud with :443 added", "want the token endpoint", func(a *assertion) {
			a.claims["aud"] = strings.Replace(s.TokenEndpoint(), CIS2Host, CIS2Host+":443", 1)
		}, nil},
		{"unknown kid", "not in the relying party's JWKS", func(a *assertion) { a.kid = "not-published" }, nil},
		{"no kid", "no kid", func(a *assertion) { a.kid = "" }, nil},
		{"RS256 when RS512 is registered", "registered token_endpoint_auth_signing_alg is RS512", func(a *assertion) { a.method = jwt.SigningMethodRS256 }, nil},
		{"PS512", "the header's alg is PS512", func(a *assertion) { a.method = jwt.SigningMethodPS512 }, nil},
		{"iss is not the client id", `iss "999999999999.apps.national"`, func(a *assertion) { a.claims["iss"] = "999999999999.apps.national" }, nil},
		{"sub is not the client id", `sub "someone"`, func(a *assertion) { a.claims["sub"] = "someone" }, nil},
		{"signed by another key", "the signature does not verify", func(a *assertion) { a.key = other }, nil},
		{"expired", "exp passed", func(a *assertion) { a.claims["exp"] = time.Now().Add(-time.Hour).Unix() }, nil},
		{"no exp", "exp", func(a *assertion) { delete(a.claims, "exp") }, nil},
		{"lives an hour", "expires more than", func(a *assertion) { a.claims["exp"] = time.Now().Add(time.Hour).Unix() }, nil},
		{"no iat", "iat", func(a *assertion) { delete(a.claims, "iat") }, nil},
		{"no jti", "jti", func(a *assertion) { delete(a.claims, "jti") }, nil},
		{"replayed jti", "already used", nil, func(f url.Values) { f.Set("client_assertion", replayed) }},
		{"wrong assertion type", "client_assertion_type", nil, func(f url.Values) { f.Set("client_assertion_type", "jwt") }},
		{"client secret too", "client_secret", nil, func(f url.Values) { f.Set("client_secret", "s") }},
		{"other client_id", "not registered", nil, func(f url.Values) { f.Set("client_id", "1.apps.supplier") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := goodAssertion(s)
			if c.spoil != nil {
				c.spoil(a)
			}
			form := tokenRequest(a.sign(t))
			if c.form != nil {
				c.form(form)
			}
			code, _, body := postForm(t, s, s.TokenEndpoint(), form)
			if code != 400 || body["error"] != "invalid_client" || body["error_description"] != "JWT is not valid" {
				t.Errorf("got %d %v, want 400 invalid_client / JWT is not valid", code, body)
			}
			why := lastRefusal(s)
			if !strings.Contains(why, c.why) {
				t.Errorf("refused because %q, want a reason mentioning %q", why, c.why)
			}
		})
	}
}

func TestTokenEndpointGrantType(t *testing.T) {
	s := start(t, Options{})
	form := tokenRequest(goodAssertion(s).sign(t))
	form.Set("grant_type", "client_credentials")
	if code, _, body := postForm(t, s, s.TokenEndpoint(), form); code != 400 || body["error"] != "unsupported_grant_type" {
		t.Errorf("client_credentials: %d %v", code, body)
	}
}

// lastRefusal is why fake CIS2's token endpoint last refused a request, in its events.
func lastRefusal(s *Sandbox) string {
	evs := s.CIS2().Events(0)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Endpoint == sim.Token && evs[i].Outcome == sim.Refused {
			return evs[i].Plain
		}
	}
	return ""
}
