package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Relying party paths, shaped like a typical web application's.
const (
	logoutPath = "/auth/cis2/backchannel-logout"
	jwksPath   = "/.well-known/jwks.json"
)

func redirectPath(i int) string {
	if i == 0 {
		return "/auth/cis2/callback"
	}
	return "/auth/cis2/callback/" + strconv.Itoa(i+1)
}

// backchannelLogoutEvent is the events member that marks a JWT as a logout token.
const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// maxForm bounds a request body: a logout token or token request is a few kilobytes.
const maxForm = 64 << 10

// leeway allows for clock skew between CIS2 and the relying party.
const leeway = 30 * time.Second

func (s *Sandbox) rpRoutes() http.Handler {
	mux := http.NewServeMux()
	for i := range s.opts.RedirectURIs {
		mux.Handle("GET "+redirectPath(i), s.wrap(Redirect, s.redirect))
	}
	mux.Handle("POST "+logoutPath, s.wrap(Logout, s.logout))
	mux.Handle("GET "+jwksPath, s.wrap(JWKS, s.jwks))
	mux.Handle("GET "+loginPath, s.wrap(Login, s.login))
	return mux
}

// redirect stands in for the page CIS2 sends the browser back to.
func (s *Sandbox) redirect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintln(w, "<!doctype html><title>Sandbox EPR</title><p>Signed in (cis2-golive sandbox).")
}

func (s *Sandbox) jwks(w http.ResponseWriter, r *http.Request) {
	body, err := s.rpJWKS()
	if err != nil {
		http.Error(w, "jwks unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// logout is an OIDC Back-Channel Logout 1.0 endpoint: 200 for a valid logout token, 400 for
// anything else, never cached either way.
func (s *Sandbox) logout(w http.ResponseWriter, r *http.Request) {
	if s.opts.Faults.BCLAcceptsAll {
		// The bug under test: "logged out" without looking at the token at all.
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseForm()
	if err == nil {
		err = s.validateLogoutToken(r.PostForm.Get("logout_token"))
	}
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	// A real relying party ends the session for sub/sid here; logging out twice is still 200.
	w.WriteHeader(http.StatusOK)
}

// logoutClaims are the members of a logout token (OIDC Back-Channel Logout 1.0 §2.4).
type logoutClaims struct {
	jwt.RegisteredClaims
	SID    string                     `json:"sid,omitempty"`
	Events map[string]json.RawMessage `json:"events,omitempty"`
	Nonce  json.RawMessage            `json:"nonce,omitempty"`
}

// validateLogoutToken applies the relying party's side of BCL §2.6: signature by CIS2's key
// (chosen by kid), iss, aud = client_id, iat, exp, the logout event, sub or sid, no nonce.
func (s *Sandbox) validateLogoutToken(raw string) error {
	if raw == "" {
		return errors.New("logout_token is missing")
	}
	var c logoutClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.opKID {
			return nil, fmt.Errorf("kid %q is not in CIS2's JWKS", kid)
		}
		return &s.opKey.PublicKey, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(s.Issuer()),
		jwt.WithAudience(ClientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
	)
	switch {
	case err != nil:
		return fmt.Errorf("logout token is not valid: %w", err)
	case c.IssuedAt == nil:
		return errors.New("logout token has no iat")
	case c.ID == "":
		return errors.New("logout token has no jti")
	case c.Subject == "" && c.SID == "":
		return errors.New("logout token names neither sub nor sid")
	case len(c.Nonce) > 0:
		return errors.New("logout token carries a nonce, which is forbidden")
	}
	ev, ok := c.Events[backchannelLogoutEvent]
	var obj map[string]any
	if !ok || json.Unmarshal(ev, &obj) != nil || obj == nil {
		return errors.New("logout token has no " + backchannelLogoutEvent + " event object")
	}
	return nil
}

// LogoutToken returns a logout token signed by fake CIS2 that the relying party accepts. edit,
// when not nil, may change or delete claims first, to make a token that is invalid in one way.
func (s *Sandbox) LogoutToken(edit func(jwt.MapClaims)) (string, error) {
	now := time.Now()
	claims := jwt.MapClaims{
		"iss":    s.Issuer(),
		"aud":    ClientID,
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"jti":    strconv.FormatInt(now.UnixNano(), 36),
		"sub":    "555555555555",
		"sid":    "sandbox-session",
		"events": map[string]any{backchannelLogoutEvent: map[string]any{}},
	}
	if edit != nil {
		edit(claims)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = s.opKID
	t.Header["typ"] = "logout+jwt"
	return t.SignedString(s.opKey)
}
