package sim

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/cis2-golive/cis2-golive/model"
)

// idTokenAlgs is id_token_signing_alg_values_supported as CIS2 INT's discovery document
// lists it (ForgeRock AM's defaults): the provider itself only signs with RS256.
var idTokenAlgs = []string{"PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256", "PS512", "RS512"}

// discovery serves an OpenID Provider configuration shaped like CIS2's, with the lists taken
// from the model's table so the provider and the tool agree on what CIS2 offers.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	b := p.issuer
	var methods []string
	for _, m := range slices.Concat(model.CIS2.AuthMethods, []model.AuthMethod{model.ClientSecretPost}) {
		methods = append(methods, string(m))
	}
	doc := map[string]any{
		"issuer":                                           b,
		"authorization_endpoint":                           b + "/authorize",
		"token_endpoint":                                   b + "/access_token",
		"userinfo_endpoint":                                b + "/userinfo",
		"jwks_uri":                                         b + "/connect/jwk_uri",
		"end_session_endpoint":                             b + "/connect/endSession",
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"query"},
		"grant_types_supported":                            []string{"authorization_code"},
		"subject_types_supported":                          []string{"public"},
		"scopes_supported":                                 model.CIS2.Scopes,
		"acr_values_supported":                             model.CIS2.ACRValues,
		"claims_parameter_supported":                       false,
		"code_challenge_methods_supported":                 []string{"plain", "S256"},
		"token_endpoint_auth_methods_supported":            methods,
		"token_endpoint_auth_signing_alg_values_supported": model.CIS2.TokenEndpointSigningAlgs,
		"userinfo_signing_alg_values_supported":            model.CIS2.UserinfoSigningAlgs,
		"id_token_signing_alg_values_supported":            idTokenAlgs,
		"backchannel_logout_supported":                     true,
		"backchannel_logout_session_supported":             true,
	}
	writeJSON(w, http.StatusOK, doc)
	p.record(Event{Endpoint: Discovery, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK, Outcome: OK,
		Plain: "served the discovery document"})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(p.keys.jwks)
	p.record(Event{Endpoint: JWKS, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK, Outcome: OK,
		Plain: "served CIS2's signing keys (JWKS)"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// oauthError answers a token or userinfo request with an OAuth error, as CIS2 words it.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
