package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// loginPath is the relying party page that starts a CIS2 sign-in.
const loginPath = "/auth/cis2/login"

// INTClientID is the client id the login-int-client-id fault sends: the integration
// environment's, left in the production deployment.
const INTClientID = "987654321098.apps.supplier"

// authorizeParams are the per-sign-in values of one authorize request. The caller keeps them
// to check the callback (state), the ID token (nonce) and to redeem the code (the verifier).
type authorizeParams struct {
	State, Nonce, CodeVerifier string
}

// newAuthorizeParams draws fresh random values for one sign-in.
func newAuthorizeParams() authorizeParams {
	return authorizeParams{State: rand.Text(), Nonce: rand.Text(), CodeVerifier: rand.Text() + rand.Text()}
}

// codeChallenge is the PKCE S256 challenge for a verifier (RFC 7636 §4.2).
func codeChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeURL is the sandbox relying party's authorize request to fake CIS2, as a correct
// relying party builds it, then spoiled by whichever login faults are on. It is the one place
// the request is built, so every page that starts a sign-in sends the same one.
func (s *Sandbox) authorizeURL(p authorizeParams) string {
	f := s.opts.Faults
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {ClientID},
		"redirect_uri":          {s.rp.base + redirectPath(0)},
		"scope":                 {"openid profile email nhsperson"},
		"state":                 {p.State},
		"nonce":                 {p.Nonce},
		"code_challenge":        {codeChallenge(p.CodeVerifier)},
		"code_challenge_method": {"S256"},
		"acr_values":            {"AAL2_OR_AAL3_ANY"},
	}
	if f.LoginHTTPRedirect {
		// What an application behind a TLS-terminating proxy builds from the plain-http
		// request the proxy forwards.
		q.Set("redirect_uri", "http://"+strings.TrimPrefix(s.rp.base, "https://")+redirectPath(0))
	}
	if f.LoginINTClientID {
		q.Set("client_id", INTClientID)
	}
	if f.LoginNoOpenID {
		q.Set("scope", "profile email nhsperson")
	}
	if f.LoginFormPost {
		q.Set("response_mode", "form_post")
	}
	if f.LoginNoNonce {
		q.Del("nonce")
	}
	if f.LoginUnknownACR {
		q.Set("acr_values", "AAL1_USERPASS") // offered only by CIS2's development realm
	}
	return s.Issuer() + "/authorize?" + q.Encode()
}

// login starts a sign-in: a redirect to fake CIS2's authorize endpoint. The values are kept
// for the callback (sandbox/rpsession.go), and a login_hint is passed on so scripts can sign
// a test user in without CIS2's page.
func (s *Sandbox) login(w http.ResponseWriter, r *http.Request) {
	p := newAuthorizeParams()
	s.beginSignIn(w, p)
	u := s.authorizeURL(p)
	if h := r.URL.Query().Get("login_hint"); h != "" {
		u += "&" + url.Values{"login_hint": {h}}.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
}
