package sandbox

import (
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// forged are logout tokens with CIS2's claims but not CIS2's signature.
func forged(t *testing.T, s *Sandbox, edit func(jwt.MapClaims)) map[string]string {
	t.Helper()
	claims := func() jwt.MapClaims {
		c := jwt.MapClaims{"iss": s.Issuer(), "aud": ClientID, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(),
			"jti": "x", "sub": "u", "events": map[string]any{backchannelLogoutEvent: map[string]any{}}}
		if edit != nil {
			edit(c)
		}
		return c
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	opKey, opKID := s.CIS2().TokenKey()
	der, _ := x509.MarshalPKIXPublicKey(opKey)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims())
	hs.Header["kid"] = opKID
	hs256, err := hs.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	rs := jwt.NewWithClaims(jwt.SigningMethodRS256, claims())
	rs.Header["kid"] = opKID
	otherKey, err := rs.SignedString(throwawayKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"alg none": none, "hs256 pem": hs256, "other key": otherKey}
}

// TestBCLFaultsOpenOneHoleEach: each bcl-* fault accepts exactly the forgery it names and still
// checks the claims.
func TestBCLFaultsOpenOneHoleEach(t *testing.T) {
	tests := []struct {
		faults   Faults
		accepted []string
	}{
		{Faults{}, nil},
		{Faults{BCLAcceptsAlgNone: true}, []string{"alg none"}},
		{Faults{BCLKeyConfusion: true}, []string{"hs256 pem"}},
		{Faults{BCLSkipsSignature: true}, []string{"alg none", "hs256 pem", "other key"}},
	}
	for _, tt := range tests {
		s := start(t, Options{Faults: tt.faults})
		for name, tok := range forged(t, s, nil) {
			want := 400
			for _, a := range tt.accepted {
				if a == name {
					want = 200
				}
			}
			if code, _, _ := postForm(t, s, s.Config().BackchannelLogoutURI, url.Values{"logout_token": {tok}}); code != want {
				t.Errorf("%+v, %s token: %d, want %d", tt.faults, name, code, want)
			}
		}
		// The claims are still checked: a forged token with a nonce is refused by all of them.
		for name, tok := range forged(t, s, func(c jwt.MapClaims) { c["nonce"] = "n" }) {
			if code, _, _ := postForm(t, s, s.Config().BackchannelLogoutURI, url.Values{"logout_token": {tok}}); code != 400 {
				t.Errorf("%+v, %s token with a nonce: %d, want 400", tt.faults, name, code)
			}
		}
	}
}
