package sandbox

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestLogoutAcceptsValidToken(t *testing.T) {
	s := start(t, Options{})
	tok, err := s.LogoutToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // logging out an already logged-out session is still 200
		code, h, _ := postForm(t, s, s.Config().BackchannelLogoutURI, url.Values{"logout_token": {tok}})
		if code != 200 || h.Get("Cache-Control") != "no-store" {
			t.Fatalf("valid logout token: %d, Cache-Control %q; want 200, no-store", code, h.Get("Cache-Control"))
		}
	}
	// sid alone is enough, and so is sub alone.
	for _, drop := range []string{"sub", "sid"} {
		tok, _ := s.LogoutToken(func(c jwt.MapClaims) { delete(c, drop) })
		if code, _, _ := postForm(t, s, s.Config().BackchannelLogoutURI, url.Values{"logout_token": {tok}}); code != 200 {
			t.Errorf("token without %s: %d, want 200", drop, code)
		}
	}
}

func TestLogoutRejectsInvalidTokens(t *testing.T) {
	s := start(t, Options{})
	other := throwawayKey(t)
	_, opKID := s.CIS2().TokenKey()
	sign := func(method jwt.SigningMethod, kid string, key any) string {
		tok := jwt.NewWithClaims(method, jwt.MapClaims{
			"iss": s.Issuer(), "aud": ClientID, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(),
			"jti": "x", "sub": "u", "events": map[string]any{backchannelLogoutEvent: map[string]any{}},
		})
		tok.Header["kid"] = kid
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	edited := func(edit func(jwt.MapClaims)) string {
		tok, err := s.LogoutToken(edit)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	cases := map[string]string{
		"missing":            "",
		"not a JWT":          "bogus",
		"throwaway key":      sign(jwt.SigningMethodRS256, opKID, other),
		"unknown kid":        signedAs(t, s, "nope"),
		"HMAC":               sign(jwt.SigningMethodHS256, opKID, []byte("secret-secret-secret-secret-1234")),
		"none":               sign(jwt.SigningMethodNone, opKID, jwt.UnsafeAllowNoneSignatureType),
		"wrong iss":          edited(func(c jwt.MapClaims) { c["iss"] = strings.Replace(s.Issuer(), ":", ":443", 1) }),
		"wrong aud":          edited(func(c jwt.MapClaims) { c["aud"] = "999999999999.apps.national" }),
		"expired":            edited(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"no exp":             edited(func(c jwt.MapClaims) { delete(c, "exp") }),
		"no iat":             edited(func(c jwt.MapClaims) { delete(c, "iat") }),
		"iat in future":      edited(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() }),
		"no jti":             edited(func(c jwt.MapClaims) { delete(c, "jti") }),
		"no sub or sid":      edited(func(c jwt.MapClaims) { delete(c, "sub"); delete(c, "sid") }),
		"nonce":              edited(func(c jwt.MapClaims) { c["nonce"] = "n" }),
		"no events":          edited(func(c jwt.MapClaims) { delete(c, "events") }),
		"other event":        edited(func(c jwt.MapClaims) { c["events"] = map[string]any{"urn:other": map[string]any{}} }),
		"event not object":   edited(func(c jwt.MapClaims) { c["events"] = map[string]any{backchannelLogoutEvent: "yes"} }),
		"signature tampered": edited(nil)[:len(edited(nil))-4] + "AAAA",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			code, h, body := postForm(t, s, s.Config().BackchannelLogoutURI, url.Values{"logout_token": {tok}})
			if code != 400 || h.Get("Cache-Control") != "no-store" || body["error"] != "invalid_request" {
				t.Errorf("got %d, Cache-Control %q, body %v; want 400, no-store, invalid_request", code, h.Get("Cache-Control"), body)
			}
		})
	}
}

func TestLogoutRefusesGET(t *testing.T) {
	s := start(t, Options{})
	if code, _, _ := get(t, s, s.Config().BackchannelLogoutURI); code != 405 {
		t.Errorf("GET logout = %d, want 405", code)
	}
}

// signedAs is a valid logout token signed with CIS2's key under another kid.
func signedAs(t *testing.T, s *Sandbox, kid string) string {
	t.Helper()
	tok, err := s.CIS2().SignToken(jwt.MapClaims{
		"iss": s.Issuer(), "aud": ClientID, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(),
		"jti": "x", "sub": "u", "events": map[string]any{backchannelLogoutEvent: map[string]any{}},
	}, kid)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
