package sim

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzClientAssertion fuzzes the provider's private_key_jwt client authentication, a parser of
// untrusted input: no panic, a reason for every refusal, and nothing accepted that the
// application's key did not sign. Each input whose header names a kid costs one loopback
// JWKS fetch, as at the real CIS2.
func FuzzClientAssertion(f *testing.F) {
	a := newAppF(f)
	p, err := New(Options{Origin: testOrigin, Client: pkjConfig(a), HTTPClient: a.srv.Client()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(p.Close)
	sign := func(edit func(jwt.MapClaims), kid string, m jwt.SigningMethod) string {
		c := jwt.MapClaims{"iss": testClient, "sub": testClient, "aud": p.TokenEndpoint(),
			"jti": "seed", "iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		t := jwt.NewWithClaims(m, c)
		t.Header["kid"] = kid
		s, err := t.SignedString(a.key)
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	f.Add(sign(nil, a.kid, jwt.SigningMethodRS512))
	f.Add(sign(nil, "\x1b[2J"+a.kid, jwt.SigningMethodRS512))
	f.Add(sign(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(time.Hour).Unix() }, a.kid, jwt.SigningMethodRS512))
	f.Add(sign(nil, a.kid, jwt.SigningMethodRS256))
	f.Fuzz(func(t *testing.T, raw string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		form := url.Values{"client_assertion_type": {jwtBearer}, "client_assertion": {raw}, "client_id": {testClient}}
		r := httptest.NewRequest("POST", p.TokenEndpoint(), nil)
		_, err := p.authenticateClient(ctx, r, form)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refusal without a reason")
			}
			return
		}
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &a.key.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS512"}), jwt.WithoutClaimsValidation()); err != nil {
			t.Fatalf("accepted an assertion not signed by the application's key: %v", err)
		}
		if strings.Count(raw, ".") != 2 {
			t.Fatalf("accepted a token that is not a compact JWS: %q", raw)
		}
	})
}
