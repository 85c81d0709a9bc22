package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The sandbox's fake CIS2 and relying party validate JWTs from outside (client assertions and
// logout tokens), so they get fuzzed like any parser of untrusted input: no panic, a reason
// for every refusal, and nothing accepted that was not signed with the right key.

func fuzzSandbox(f *testing.F) *Sandbox {
	f.Helper()
	s, err := Start(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	return s
}

// FuzzLogoutToken fuzzes the relying party's logout token validation (BCL §2.6).
func FuzzLogoutToken(f *testing.F) {
	s := fuzzSandbox(f)
	for _, edit := range []func(jwt.MapClaims){
		nil,
		func(c jwt.MapClaims) { c["nonce"] = "n" },
		func(c jwt.MapClaims) { delete(c, "events") },
		func(c jwt.MapClaims) { c["aud"] = []any{ClientID, "other"} },
	} {
		tok, err := s.LogoutToken(edit)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := s.validateLogoutToken(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refusal without a reason")
			}
			return
		}
		// Accepted: it must really be signed by fake CIS2's key with RS256.
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &s.opKey.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()); err != nil {
			t.Fatalf("accepted a token not signed by CIS2's key: %v", err)
		}
	})
}

// FuzzClientAssertion fuzzes fake CIS2's private_key_jwt client authentication. Each input
// whose header names a kid costs one loopback JWKS fetch, as at the real CIS2.
func FuzzClientAssertion(f *testing.F) {
	s := fuzzSandbox(f)
	sign := func(edit func(*assertion)) string {
		a := goodAssertion(s)
		if edit != nil {
			edit(a)
		}
		tok := jwt.NewWithClaims(a.method, a.claims)
		tok.Header["kid"] = a.kid
		signed, err := tok.SignedString(a.key)
		if err != nil {
			f.Fatal(err)
		}
		return signed
	}
	f.Add(sign(nil))
	f.Add(sign(func(a *assertion) { a.kid = "\x1b[2J" + a.kid }))
	f.Add(sign(func(a *assertion) { a.claims["exp"] = time.Now().Add(time.Hour).Unix() }))
	f.Add(sign(func(a *assertion) { a.method = jwt.SigningMethodRS256 }))
	f.Fuzz(func(t *testing.T, raw string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.authenticateClient(ctx, jwtBearer, raw, ClientID, false)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refusal without a reason")
			}
			return
		}
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &s.rpKey.PublicKey, nil },
			jwt.WithValidMethods([]string{SigningAlg}), jwt.WithoutClaimsValidation()); err != nil {
			t.Fatalf("accepted an assertion not signed by the relying party's key: %v", err)
		}
		if strings.Count(raw, ".") != 2 {
			t.Fatalf("accepted a token that is not a compact JWS: %q", raw)
		}
	})
}
