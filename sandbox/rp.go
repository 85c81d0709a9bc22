package sandbox

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
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
		mux.Handle("GET "+redirectPath(i), s.wrap(Redirect, http.HandlerFunc(s.callback)))
	}
	mux.Handle("POST "+logoutPath, s.wrap(Logout, http.HandlerFunc(s.logout)))
	mux.Handle("GET "+jwksPath, s.wrap(JWKS, http.HandlerFunc(s.jwks)))
	mux.Handle("GET "+loginPath, s.wrap(Login, http.HandlerFunc(s.login)))
	mux.HandleFunc("GET "+recordPath, s.record)
	return mux
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
	var c logoutClaims
	if err == nil {
		c, err = s.validateLogoutToken(r.PostForm.Get("logout_token"))
	}
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	// Logging out a session already gone is still 200 (BCL 1.0 §2.8).
	if !s.opts.Faults.BCLKeepsSession {
		s.endSessions(c.Subject, c.SID)
	}
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
// (chosen by kid, RS256 only), iss, aud = client_id, iat, exp, the logout event, sub or sid, no
// nonce. The bcl-* faults each open one hole in it.
func (s *Sandbox) validateLogoutToken(raw string) (logoutClaims, error) {
	var c logoutClaims
	if raw == "" {
		return c, errors.New("logout_token is missing")
	}
	f := s.opts.Faults
	methods := []string{"RS256"}
	if f.BCLAcceptsAlgNone {
		methods = append(methods, jwt.SigningMethodNone.Alg())
	}
	if f.BCLKeyConfusion {
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithIssuer(s.Issuer()),
		jwt.WithAudience(ClientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
	}
	var err error
	if f.BCLSkipsSignature {
		// The bug under test: decode, check the claims, never the signature.
		if _, _, err = jwt.NewParser().ParseUnverified(raw, &c); err == nil {
			err = jwt.NewValidator(opts...).Validate(&c)
		}
	} else {
		_, err = jwt.ParseWithClaims(raw, &c, s.logoutKey, opts...)
	}
	switch {
	case err != nil:
		return c, fmt.Errorf("logout token is not valid: %w", err)
	case c.IssuedAt == nil:
		return c, errors.New("logout token has no iat")
	case c.ID == "":
		return c, errors.New("logout token has no jti")
	case c.Subject == "" && c.SID == "":
		return c, errors.New("logout token names neither sub nor sid")
	case len(c.Nonce) > 0:
		return c, errors.New("logout token carries a nonce, which is forbidden")
	}
	ev, ok := c.Events[backchannelLogoutEvent]
	var obj map[string]any
	if !ok || json.Unmarshal(ev, &obj) != nil || obj == nil {
		return c, errors.New("logout token has no " + backchannelLogoutEvent + " event object")
	}
	return c, nil
}

// logoutKey is the key a logout token is verified with: CIS2's, by kid. Under the alg-none and
// key-confusion faults it is whatever the token's own alg asks for, which is the bug.
func (s *Sandbox) logoutKey(t *jwt.Token) (any, error) {
	switch t.Method {
	case jwt.SigningMethodNone:
		return jwt.UnsafeAllowNoneSignatureType, nil
	case jwt.SigningMethodHS256:
		pub, _ := s.op.TokenKey()
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
	}
	kid, _ := t.Header["kid"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.cis2Key(ctx, kid, t.Method.Alg())
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
	return s.op.SignToken(claims, "")
}
