package sandbox

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// The sandbox's relying party validates logout tokens from outside, so it gets fuzzed like any
// parser of untrusted input: no panic, a reason for every refusal, and nothing accepted that
// was not signed with the right key. (Fake CIS2's client authentication is fuzzed in sim.)

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
		_, err := s.validateLogoutToken(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refusal without a reason")
			}
			return
		}
		// Accepted: it must really be signed by fake CIS2's key with RS256.
		pub, _ := s.CIS2().TokenKey()
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()); err != nil {
			t.Fatalf("accepted a token not signed by CIS2's key: %v", err)
		}
	})
}
