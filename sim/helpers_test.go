package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

const (
	testOrigin   = "https://cis2.sim.test:9443"
	testClient   = "123456789012.apps.supplier"
	testRedirect = "https://app.sim.test/callback"
)

// app is a relying party's published JWKS on loopback TLS, and the key behind it.
type app struct {
	key *rsa.PrivateKey
	kid string
	srv *httptest.Server
}

func newApp(t *testing.T) *app { return newAppF(t) }

// newAppF serves tests and fuzz targets alike.
func newAppF(t testing.TB) *app {
	t.Helper()
	k, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.Thumbprint(k)
	pub, err := keys.PublicJWK(k, "RS512")
	if err != nil {
		t.Fatal(err)
	}
	set, _ := keys.MarshalSet([]keys.Key{pub})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(set)
	}))
	t.Cleanup(srv.Close)
	return &app{key: k, kid: kid, srv: srv}
}

func pkjConfig(a *app) *model.Config {
	return &model.Config{ClientID: testClient, RedirectURIs: []string{testRedirect},
		TokenEndpointAuthMethod: model.PrivateKeyJWT, JWKSURI: a.srv.URL + "/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512", Product: "Test EPR"}
}

func newProvider(t *testing.T, opts Options) *Provider {
	t.Helper()
	if opts.Origin == "" {
		opts.Origin = testOrigin
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// serve sends one request to the provider in process, from a loopback peer unless the test
// set another address than httptest's default.
func serve(p *Provider, r *http.Request) *httptest.ResponseRecorder {
	if r.RemoteAddr == "192.0.2.1:1234" {
		r.RemoteAddr = "127.0.0.1:50000"
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	return w
}

// authorizeParams are a careful application's authorization request parameters.
func authorizeParams(verifier string) url.Values {
	sum := sha256.Sum256([]byte(verifier))
	return url.Values{
		"response_type": {"code"}, "client_id": {testClient}, "redirect_uri": {testRedirect},
		"scope": {"openid profile"}, "state": {"st"}, "nonce": {"n-123"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
}

const verifier = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"

// authorize sends an authorization request and returns the redirect's query.
func authorize(t *testing.T, p *Provider, q url.Values, cookies ...*http.Cookie) (url.Values, *httptest.ResponseRecorder) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, testOrigin+Realm+"/authorize?"+q.Encode(), nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := serve(p, r)
	if w.Code != http.StatusFound {
		return nil, w
	}
	u, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query(), w
}

func (a *app) assertion(t *testing.T, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": testClient, "sub": testClient, "aud": testOrigin + Realm + "/access_token",
		"jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if edit != nil {
		edit(c)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, c)
	tok.Header["kid"] = a.kid
	s, err := tok.SignedString(a.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tokenForm(code, assertion string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"code_verifier": {verifier}, "client_id": {testClient}}
	if assertion != "" {
		f.Set("client_assertion_type", jwtBearer)
		f.Set("client_assertion", assertion)
	}
	return f
}

// exchange posts a token request and decodes the JSON answer.
func exchange(t *testing.T, p *Provider, form url.Values, basic ...string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, testOrigin+Realm+"/access_token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		r.SetBasicAuth(basic[0], basic[1])
	}
	w := serve(p, r)
	var body map[string]any
	json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body
}

// idClaims verifies an ID token with the provider's key and returns its claims.
func idClaims(t *testing.T, p *Provider, raw string) jwt.MapClaims {
	t.Helper()
	pub, _ := p.TokenKey()
	c := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(raw, c, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()); err != nil {
		t.Fatalf("ID token: %v", err)
	}
	return c
}
