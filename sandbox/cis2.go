package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAssertionLifetime: CIS2's own limit is unconfirmed; NHS teams use 5 minutes, so the
// sandbox refuses anything meant to live much longer than that.
const maxAssertionLifetime = 10 * time.Minute

func (s *Sandbox) cis2Routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+realm+"/.well-known/openid-configuration", s.wrap(CIS2Discovery, s.discovery))
	mux.Handle("GET "+realm+"/connect/jwk_uri", s.wrap(CIS2JWKS, s.cis2JWKS))
	mux.Handle("POST "+realm+"/access_token", s.wrap(CIS2Token, s.token))
	return mux
}

// discovery serves an OpenID Provider configuration shaped like CIS2's, with the algorithm
// lists taken from the model's table so the sandbox and the tool agree on what CIS2 offers.
func (s *Sandbox) discovery(w http.ResponseWriter, r *http.Request) {
	b := s.Issuer()
	authMethods := []string{}
	for _, m := range slices.Concat(model.CIS2.AuthMethods, []model.AuthMethod{model.ClientSecretPost}) {
		authMethods = append(authMethods, string(m))
	}
	doc := map[string]any{
		"issuer":                                b,
		"authorization_endpoint":                b + "/authorize",
		"token_endpoint":                        b + "/access_token",
		"userinfo_endpoint":                     b + "/userinfo",
		"jwks_uri":                              b + "/connect/jwk_uri",
		"end_session_endpoint":                  b + "/connect/endSession",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"scopes_supported":                      model.CIS2.Scopes,
		"acr_values_supported":                  model.CIS2.ACRValues,
		"response_modes_supported":              []string{"query", "form_post"}, // as CIS2's still does, after withdrawing form_post
		"token_endpoint_auth_methods_supported": authMethods,
		"token_endpoint_auth_signing_alg_values_supported": model.CIS2.TokenEndpointSigningAlgs,
		"userinfo_signing_alg_values_supported":            model.CIS2.UserinfoSigningAlgs,
		"id_token_signing_alg_values_supported":            []string{"PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256", "PS512", "RS512"},
		"backchannel_logout_supported":                     true,
		"backchannel_logout_session_supported":             true,
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Sandbox) cis2JWKS(w http.ResponseWriter, r *http.Request) {
	body, err := s.opJWKS()
	if err != nil {
		http.Error(w, "jwks unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// token is the authorization code grant with private_key_jwt client authentication. The
// client is authenticated first and for real; the code never is valid (the sandbox issues
// none), so a correct client gets invalid_grant, exactly what CIS2 answers a probe with a
// dummy code, and anything else gets invalid_client with CIS2's uninformative text.
func (s *Sandbox) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the request body is not a valid form")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, "unsupported_grant_type", "grant_type must be authorization_code")
		return
	}
	if err := s.authenticateClient(r.Context(), f.Get("client_assertion_type"), f.Get("client_assertion"), f.Get("client_id"), f.Has("client_secret")); err != nil {
		s.mu.Lock()
		s.lastError = err.Error()
		s.mu.Unlock()
		oauthError(w, "invalid_client", "JWT is not valid")
		return
	}
	oauthError(w, "invalid_grant", "The provided access grant is invalid, expired, or revoked.")
}

// authenticateClient verifies a private_key_jwt client assertion as CIS2 does: key from the
// relying party's JWKS (fetched now) by kid, the registered alg, iss = sub = client_id,
// aud = the token endpoint, a bounded exp, iat, and a jti never seen before.
func (s *Sandbox) authenticateClient(ctx context.Context, typ, assertion, clientID string, hasSecret bool) error {
	switch {
	case hasSecret:
		return errors.New("client_secret sent by a private_key_jwt client")
	case typ != jwtBearer:
		return fmt.Errorf("client_assertion_type is %q, want %s", typ, jwtBearer)
	case assertion == "":
		return errors.New("client_assertion is missing")
	case clientID != "" && clientID != ClientID:
		return fmt.Errorf("client_id %q is not registered", clientID)
	}
	var c jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(assertion, &c, func(t *jwt.Token) (any, error) {
		return s.assertionKey(ctx, t)
	},
		jwt.WithValidMethods([]string{SigningAlg}),
		jwt.WithIssuer(ClientID),
		jwt.WithSubject(ClientID),
		jwt.WithAudience(s.TokenEndpoint()),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
	)
	switch {
	case err != nil:
		return err
	case c.IssuedAt == nil:
		return errors.New("assertion has no iat")
	case time.Until(c.ExpiresAt.Time) > maxAssertionLifetime:
		return fmt.Errorf("assertion expires more than %s from now", maxAssertionLifetime)
	case c.ID == "":
		return errors.New("assertion has no jti")
	}
	return s.useJTI(c.ID, c.ExpiresAt.Time)
}

// assertionKey finds the key that must have signed the assertion: the one in the relying
// party's JWKS with the header's kid, whose alg (when it has one) is the header's.
func (s *Sandbox) assertionKey(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errors.New("assertion header has no kid")
	}
	set, err := s.fetchRPJWKS(ctx)
	if err != nil {
		return nil, err
	}
	found := set.ByKID(kid)
	if len(found) == 0 {
		return nil, fmt.Errorf("kid %q is not in the relying party's JWKS", kid)
	}
	k := found[0]
	if err := k.CheckAlg(t.Method.Alg()); err != nil {
		return nil, fmt.Errorf("key %q cannot verify %s: %w", kid, t.Method.Alg(), err)
	}
	return k.Public, nil
}

// fetchRPJWKS reads the relying party's JWKS the way CIS2 would: over HTTPS, from the
// registered jwks_uri, bounded in time and size.
func (s *Sandbox) fetchRPJWKS(ctx context.Context) (*keys.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.rp.base+jwksPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch relying party JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch relying party JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, keys.MaxSetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch relying party JWKS: %w", err)
	}
	set, err := keys.ParseSet(body)
	if err != nil {
		return nil, fmt.Errorf("relying party JWKS: %w", err)
	}
	return set, nil
}

// useJTI records an assertion id and refuses one seen before (replay), forgetting ids once
// their assertion has expired.
func (s *Sandbox) useJTI(jti string, exp time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for id, until := range s.seenJTI {
		if now.After(until.Add(leeway)) {
			delete(s.seenJTI, id)
		}
	}
	if _, dup := s.seenJTI[jti]; dup {
		return fmt.Errorf("jti %q was already used", jti)
	}
	s.seenJTI[jti] = exp
	return nil
}

func oauthError(w http.ResponseWriter, code, description string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
