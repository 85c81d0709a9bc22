package checks

import (
	"net/http"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/golang-jwt/jwt/v5"
)

func TestBCL(t *testing.T) {
	pki := newPKI(t)
	answer := func(code int, cacheControl string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if cacheControl != "" {
				w.Header().Set("Cache-Control", cacheControl)
			}
			w.WriteHeader(code)
		})
	}
	tests := []struct {
		name string
		h    http.Handler
		want model.Severity
		msg  string
	}{
		{"400 with no-store", answer(400, "no-cache, no-store"), model.Pass, "sets Cache-Control: no-store"},
		{"400 without no-store", answer(400, ""), model.Pass, "does not set Cache-Control: no-store"},
		{"200 accepts anything", answer(200, "no-store"), model.Fail, "accepts tokens it cannot have verified"},
		{"204 accepts anything", answer(204, ""), model.Fail, "accepts tokens it cannot have verified"},
		{"404", answer(404, ""), model.Fail, "nothing is served at this path"},
		{"405", answer(405, ""), model.Fail, "does not accept POST"},
		{"500", answer(500, ""), model.Fail, "fails on an invalid token"},
		{"403 allowlist", answer(403, ""), model.Warn, "inconclusive: the endpoint refused the probe before reading the token — typical of an IP allowlist for CIS2's addresses"},
		{"401 unknown kid", answer(401, ""), model.Warn, "run from an allowlisted host or confirm with NHS"},
		{"302 to login", http.RedirectHandler("/login", http.StatusFound), model.Fail, "does not follow redirects"},
		{"422", answer(422, ""), model.Warn, "says to answer 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pki.server(t, tt.h, testHost)
			u := urlFor(s, "/logout")
			r := runOneCheck(t, pkjwtConfig(u, u, u), pki.testOptions(), IDBCL, "backchannel_logout_uri")
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

// TestBCLSendsALogoutToken checks what the endpoint receives: a form-encoded logout_token that
// parses as an RS256 JWT with the logout event, CIS2's issuer and the client id.
func TestBCLSendsALogoutToken(t *testing.T) {
	pki := newPKI(t)
	var (
		contentType string
		claims      = jwt.MapClaims{}
		header      map[string]any
	)
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentType = r.Header.Get("Content-Type")
		tok, _, err := jwt.NewParser().ParseUnverified(r.PostFormValue("logout_token"), claims)
		if err != nil {
			t.Errorf("logout_token is not a JWT: %v", err)
		} else {
			header = tok.Header
		}
		w.WriteHeader(400)
	}), testHost)
	u := urlFor(s, "/logout")
	cfg := pkjwtConfig(u, u, u)
	r := runOneCheck(t, cfg, pki.testOptions(), IDBCL, "backchannel_logout_uri")
	wantStatus(t, r, model.Pass, "answered 400")
	if contentType != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", contentType)
	}
	if header["alg"] != "RS256" || header["kid"] == nil {
		t.Errorf("header = %v, want RS256 with a kid", header)
	}
	events, _ := claims["events"].(map[string]any)
	if _, ok := events[backchannelLogoutEvent]; !ok || claims["iss"] != cfg.CIS2().Issuer || claims["aud"] != cfg.ClientID {
		t.Errorf("claims = %v", claims)
	}
	if _, ok := claims["nonce"]; ok {
		t.Error("a logout token must not carry a nonce")
	}
}

func TestBCLPlaceholderClientID(t *testing.T) {
	pki := newPKI(t)
	var aud any
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims := jwt.MapClaims{}
		jwt.NewParser().ParseUnverified(r.PostFormValue("logout_token"), claims)
		aud = claims["aud"]
		w.WriteHeader(400)
	}), testHost)
	u := urlFor(s, "/logout")
	cfg := pkjwtConfig(u, u, u)
	cfg.ClientID = ""
	runOneCheck(t, cfg, pki.testOptions(), IDBCL, "backchannel_logout_uri")
	if aud != placeholderClientID {
		t.Errorf("aud = %v, want the placeholder", aud)
	}
}
