package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/model"
)

func TestNewRefusesUnregistrableClients(t *testing.T) {
	a := newApp(t)
	cases := map[string]struct {
		edit   func(*model.Config)
		secret string
		want   string
	}{
		"no client_id":        {func(c *model.Config) { c.ClientID = "" }, "", "client_id"},
		"no redirect":         {func(c *model.Config) { c.RedirectURIs = nil }, "", "redirect_uris"},
		"relative redirect":   {func(c *model.Config) { c.RedirectURIs = []string{"/cb"} }, "", "redirect_uris[0]"},
		"no jwks_uri":         {func(c *model.Config) { c.JWKSURI = "" }, "", "jwks_uri"},
		"alg CIS2 lacks":      {func(c *model.Config) { c.TokenEndpointAuthSigningAlg = "ES256" }, "", "RS256, RS512"},
		"secret without flag": {func(c *model.Config) { c.TokenEndpointAuthMethod = model.ClientSecretBasic }, "", "--client-secret-env"},
		"client_secret_jwt":   {func(c *model.Config) { c.TokenEndpointAuthMethod = model.ClientSecretJWT }, "x", "private_key_jwt or client_secret_basic"},
		"HS256 userinfo":      {func(c *model.Config) { c.UserinfoSignedResponseAlg = "HS256" }, "", "userinfo_signed_response_alg"},
	}
	for name, c := range cases {
		cfg := pkjConfig(a)
		c.edit(cfg)
		if _, err := New(Options{Origin: testOrigin, Client: cfg, ClientSecret: c.secret}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %q", name, err, c.want)
		}
	}
	for _, o := range []string{"http://cis2.sim.test:9443", "https://cis2.sim.test", "https://cis2.sim.test:9443/x"} {
		if _, err := New(Options{Origin: o, Client: pkjConfig(a)}); err == nil {
			t.Errorf("origin %q accepted", o)
		}
	}
	if _, err := New(Options{Origin: testOrigin, Client: pkjConfig(a), AutoLogin: "nobody"}); err == nil || !strings.Contains(err.Error(), "555000000001") {
		t.Errorf("unknown --auto-login: %v", err)
	}
}

// TestPrivateKeyJWTSignIn is the whole code flow with private_key_jwt: CIS2's claims in the
// ID token, PKCE, a code used once.
func TestPrivateKeyJWTSignIn(t *testing.T) {
	a := newApp(t)
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	q := authorizeParams(verifier)
	q.Set("acr_values", "AAL2_OR_AAL3_ANY")
	got, w := authorize(t, p, q)
	if got == nil || got.Get("code") == "" || got.Get("state") != "st" {
		t.Fatalf("authorize: %d %s", w.Code, w.Body)
	}
	code, body := exchange(t, p, tokenForm(got.Get("code"), a.assertion(t, nil)))
	if code != 200 || body["token_type"] != "Bearer" || body["access_token"] == "" {
		t.Fatalf("token: %d %v", code, body)
	}
	c := idClaims(t, p, body["id_token"].(string))
	for k, want := range map[string]any{"iss": p.Issuer(), "sub": "555000000001", "aud": testClient, "nonce": "n-123",
		"acr": "AAL2_OR_AAL3_ANY", "authentication_assurance_level": "3", "idassurancelevel": "3", "id_assurance_level": "3"} {
		if c[k] != want {
			t.Errorf("ID token %s = %v, want %v", k, c[k], want)
		}
	}
	if c["sid"] == nil || c["amr"] == nil || c["at_hash"] != atHash(body["access_token"].(string)) {
		t.Errorf("ID token lacks sid, amr or a correct at_hash: %v", c)
	}
	if _, ok := c["auth_time"]; ok {
		t.Error("auth_time without max_age or prompt=login (CIS2 sends it only then)")
	}
	if !strings.HasPrefix(p.Issuer(), testOrigin+"/openam/") {
		t.Errorf("issuer %s lost its port", p.Issuer())
	}
	// The code is spent.
	if code, body := exchange(t, p, tokenForm(got.Get("code"), a.assertion(t, nil))); code != 400 || body["error"] != "invalid_grant" {
		t.Errorf("second use of a code: %d %v", code, body)
	}
}

func TestClientAssertionRefusals(t *testing.T) {
	a := newApp(t)
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	cases := map[string]struct {
		edit func(jwt.MapClaims)
		why  string
	}{
		"aud is the issuer": {func(c jwt.MapClaims) { c["aud"] = p.Issuer() }, "that is the issuer"},
		"aud with :443":     {func(c jwt.MapClaims) { c["aud"] = strings.Replace(p.TokenEndpoint(), ":9443", ":443", 1) }, "want the token endpoint"},
		"iss is an app key": {func(c jwt.MapClaims) { c["iss"] = "app-key" }, "must both be the client_id"},
		"an hour long":      {func(c jwt.MapClaims) { c["exp"] = c["iat"].(int64) + 3600 }, "expires more than"},
	}
	for name, c := range cases {
		got, _ := authorize(t, p, authorizeParams(verifier))
		code, body := exchange(t, p, tokenForm(got.Get("code"), a.assertion(t, c.edit)))
		if code != 400 || body["error"] != "invalid_client" || body["error_description"] != "JWT is not valid" {
			t.Errorf("%s: %d %v, want CIS2's invalid_client / JWT is not valid", name, code, body)
		}
		ev := lastEvent(p, Token)
		if !strings.Contains(ev.Plain, c.why) || ev.Claims["aud"] == nil {
			t.Errorf("%s: event %q (claims %v), want the reason %q and the assertion's claims", name, ev.Plain, ev.Claims, c.why)
		}
	}
}

func TestClientSecretBasic(t *testing.T) {
	cfg := &model.Config{ClientID: testClient, RedirectURIs: []string{testRedirect}, TokenEndpointAuthMethod: model.ClientSecretBasic}
	p := newProvider(t, Options{Client: cfg, ClientSecret: "s3cret:/+", AutoLogin: "555000000002"})
	got, _ := authorize(t, p, authorizeParams(verifier))
	// RFC 6749 §2.3.1: the secret is form-encoded before it goes into the Basic header.
	if code, body := exchange(t, p, tokenForm(got.Get("code"), ""), testClient, url.QueryEscape("wrong")); code != 401 || body["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", code, body)
	}
	got, _ = authorize(t, p, authorizeParams(verifier))
	if code, body := exchange(t, p, tokenForm(got.Get("code"), ""), testClient, url.QueryEscape("s3cret:/+")); code != 200 || body["id_token"] == nil {
		t.Errorf("right secret: %d %v", code, body)
	}
	got, _ = authorize(t, p, authorizeParams(verifier))
	form := tokenForm(got.Get("code"), "")
	form.Set("client_secret", "s3cret:/+")
	if code, body := exchange(t, p, form); code != 400 || body["error"] != "invalid_client" {
		t.Errorf("client_secret_post to a basic client: %d %v", code, body)
	}
	if strings.Contains(eventsJSON(t, p), "s3cret") {
		t.Error("the client secret reached an event")
	}
}

func TestPKCE(t *testing.T) {
	a := newApp(t)
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	got, _ := authorize(t, p, authorizeParams(verifier))
	form := tokenForm(got.Get("code"), a.assertion(t, nil))
	form.Set("code_verifier", strings.Repeat("x", 43))
	if code, body := exchange(t, p, form); code != 400 || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", code, body)
	}
	if ev := lastEvent(p, Token); !strings.Contains(ev.Plain, "code_verifier does not match") {
		t.Errorf("event: %q", ev.Plain)
	}
}

// TestSessionsAuthTimeAndPrompt: a second sign-in reuses the session (no page); max_age and
// prompt=login force a fresh one and put auth_time in the ID token; prompt=none without a
// session is login_required.
func TestSessionsAuthTimeAndPrompt(t *testing.T) {
	a := newApp(t)
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client()})
	q := authorizeParams(verifier)
	q.Set("prompt", "none")
	if got, _ := authorize(t, p, q); got.Get("error") != "login_required" || got.Get("state") != "st" {
		t.Errorf("prompt=none without a session: %v", got)
	}
	q = authorizeParams(verifier)
	q.Set("login_hint", "555000000003")
	got, w := authorize(t, p, q)
	cookie := w.Result().Cookies()
	if got.Get("code") == "" || len(cookie) == 0 {
		t.Fatalf("login_hint sign-in: %d %v", w.Code, got)
	}
	// Same browser, no hint: the session is reused without a page.
	got, w = authorize(t, p, authorizeParams(verifier), cookie...)
	if got.Get("code") == "" {
		t.Fatalf("session reuse showed %d %s", w.Code, w.Body)
	}
	// max_age=0: sign in again; without --auto-login or a hint that means the page.
	q = authorizeParams(verifier)
	q.Set("max_age", "0")
	if got, w = authorize(t, p, q, cookie...); got != nil || w.Code != 200 || !strings.Contains(w.Body.String(), "555000000003") {
		t.Fatalf("max_age=0 did not show the sign-in page: %d %v", w.Code, got)
	}
	txn := between(w.Body.String(), `name="txn" value="`, `"`)
	form := url.Values{"txn": {txn}, "uid": {"555000000002"}, "amr": {"TOTP"}}
	r := httptest.NewRequest(http.MethodPost, testOrigin+signInPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = serve(p, r)
	loc, _ := url.Parse(w.Header().Get("Location"))
	code, body := exchange(t, p, tokenForm(loc.Query().Get("code"), a.assertion(t, nil)))
	if code != 200 {
		t.Fatalf("token after the page: %d %v", code, body)
	}
	c := idClaims(t, p, body["id_token"].(string))
	if c["sub"] != "555000000002" || c["acr"] != "AAL2_ANY" || c["authentication_assurance_level"] != "2" || c["auth_time"] == nil {
		t.Errorf("ID token after max_age=0 with TOTP: %v", c)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	p := newProvider(t, Options{Client: &model.Config{ClientID: testClient, RedirectURIs: []string{testRedirect},
		TokenEndpointAuthMethod: model.ClientSecretBasic}, ClientSecret: "x", AutoLogin: "555000000001"})
	pages := map[string]struct {
		edit func(url.Values)
		want string
	}{
		"other client":     {func(q url.Values) { q.Set("client_id", "1.apps.supplier") }, "not the registered client"},
		"http redirect":    {func(q url.Values) { q.Set("redirect_uri", "http://app.sim.test/callback") }, "TLS-terminating proxy"},
		"trailing slash":   {func(q url.Values) { q.Set("redirect_uri", testRedirect+"/") }, "nearest registered"},
		"missing redirect": {func(q url.Values) { q.Del("redirect_uri") }, "redirect_uri is missing"},
	}
	for name, c := range pages {
		q := authorizeParams(verifier)
		c.edit(q)
		got, w := authorize(t, p, q)
		if got != nil || w.Code != 400 || !strings.Contains(lastEvent(p, Authorize).Plain, c.want) {
			t.Errorf("%s: %d %v (event %q): want an error page, never a redirect, saying %q", name, w.Code, got, lastEvent(p, Authorize).Plain, c.want)
		}
	}
	redirects := map[string]struct {
		edit func(url.Values)
		want string
	}{
		"form_post":     {func(q url.Values) { q.Set("response_mode", "form_post") }, "invalid_request"},
		"token flow":    {func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		"no openid":     {func(q url.Values) { q.Set("scope", "profile") }, "invalid_scope"},
		"unknown scope": {func(q url.Values) { q.Set("scope", "openid offline_access") }, "invalid_scope"},
		"unknown acr":   {func(q url.Values) { q.Set("acr_values", "AAL3") }, "invalid_request"},
		"PKCE plain+":   {func(q url.Values) { q.Set("code_challenge_method", "S512") }, "invalid_request"},
	}
	for name, c := range redirects {
		q := authorizeParams(verifier)
		c.edit(q)
		got, w := authorize(t, p, q)
		if got.Get("error") != c.want || got.Get("state") != "st" {
			t.Errorf("%s: %d %v, want a redirect with error=%s", name, w.Code, got, c.want)
		}
	}
}

func TestSignedUserinfo(t *testing.T) {
	a := newApp(t)
	cfg := pkjConfig(a)
	cfg.UserinfoSignedResponseAlg = "ES384"
	p := newProvider(t, Options{Client: cfg, HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	q := authorizeParams(verifier)
	q.Set("scope", "openid profile nationalrbacaccess selectedrole associatedorgs")
	got, _ := authorize(t, p, q)
	_, body := exchange(t, p, tokenForm(got.Get("code"), a.assertion(t, nil)))
	r := httptest.NewRequest(http.MethodGet, testOrigin+Realm+"/userinfo", nil)
	r.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	w := serve(p, r)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/jwt" {
		t.Fatalf("userinfo: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	jw := serve(p, httptest.NewRequest(http.MethodGet, testOrigin+Realm+"/connect/jwk_uri", nil))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jw.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(w.Body.String(), c, func(tk *jwt.Token) (any, error) {
		ks := set.Key(tk.Header["kid"].(string))
		if len(ks) == 0 {
			t.Fatalf("kid %v not in the JWKS", tk.Header["kid"])
		}
		return ks[0].Key, nil
	}, jwt.WithValidMethods([]string{"ES384"}))
	if err != nil {
		t.Fatalf("signed userinfo: %v", err)
	}
	if c["iss"] != p.Issuer() || c["sub"] != "555000000001" || c["aud"] != nil || c["selected_roleid"] != "200000000001" {
		t.Errorf("userinfo claims %v: want iss, sub, selected_roleid and no aud (as CIS2's)", c)
	}
	roles, _ := c["nhsid_nrbac_roles"].([]any)
	if len(roles) != 1 || roles[0].(map[string]any)["org_code"] != "A99001" {
		t.Errorf("nhsid_nrbac_roles = %v", c["nhsid_nrbac_roles"])
	}
	r = httptest.NewRequest(http.MethodGet, testOrigin+Realm+"/userinfo", nil)
	r.Header.Set("Authorization", "Bearer made-up")
	if w := serve(p, r); w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("made-up token: %d", w.Code)
	}
}

func TestAdminAPI(t *testing.T) {
	p := newProvider(t, Options{Client: &model.Config{ClientID: testClient, RedirectURIs: []string{testRedirect},
		TokenEndpointAuthMethod: model.ClientSecretBasic}, ClientSecret: "x"})
	post := func(path, remote string, h map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, testOrigin+path, nil)
		r.RemoteAddr = remote
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return serve(p, r)
	}
	if w := post("/_sim/fault?next=wrong-aud", "203.0.113.9:4000", nil); w.Code != 403 {
		t.Errorf("admin from another host: %d, want 403", w.Code)
	}
	if w := post("/_sim/fault?next=wrong-aud", "127.0.0.1:4000", map[string]string{"Sec-Fetch-Site": "cross-site"}); w.Code != 403 {
		t.Errorf("cross-site browser POST: %d, want 403", w.Code)
	}
	if w := post("/_sim/fault?next=bogus", "[::1]:4000", nil); w.Code != 400 || !strings.Contains(w.Body.String(), "nonce-mismatch") {
		t.Errorf("unknown fault: %d %s", w.Code, w.Body)
	}
	if w := post("/_sim/fault?next=wrong-aud", "[::1]:4000", nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"wrong-aud"`) {
		t.Errorf("queue a fault: %d %s", w.Code, w.Body)
	}
	if q := p.QueuedFaults(); len(q) != 1 || q[0] != WrongAud {
		t.Errorf("queue = %v", q)
	}
	if w := post("/_sim/logout?sid=nope", "127.0.0.1:1", nil); w.Code != 404 {
		t.Errorf("logout of an unknown sid: %d", w.Code)
	}
	if w := post("/_sim/signin", "127.0.0.1:1", nil); w.Code != 400 || !strings.Contains(w.Body.String(), "--protected-url") {
		t.Errorf("sign-in without a protected URL: %d %s", w.Code, w.Body)
	}
	w := serve(p, httptest.NewRequest(http.MethodGet, testOrigin+"/_sim/events?since=0", nil))
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	var last Event
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || !strings.Contains(last.Plain, "wrong-aud") {
		t.Errorf("events: %v %s", err, w.Body)
	}
}

// TestEventsHoldNoSecrets runs a whole sign-in and checks that no code, token, assertion or
// secret is in any event, while the claims are.
func TestEventsHoldNoSecrets(t *testing.T) {
	a := newApp(t)
	p := newProvider(t, Options{Client: pkjConfig(a), HTTPClient: a.srv.Client(), AutoLogin: "555000000001"})
	got, _ := authorize(t, p, authorizeParams(verifier))
	assertion := a.assertion(t, nil)
	_, body := exchange(t, p, tokenForm(got.Get("code"), assertion))
	all := eventsJSON(t, p)
	for name, secret := range map[string]string{"code": got.Get("code"), "access token": body["access_token"].(string),
		"ID token": body["id_token"].(string), "assertion": assertion, "assertion signature": assertion[strings.LastIndex(assertion, ".")+1:],
		"code verifier": verifier} {
		if strings.Contains(all, secret) {
			t.Errorf("the %s is in the events", name)
		}
	}
	if !strings.Contains(all, `"nonce":"n-123"`) {
		t.Error("the ID token's claims are not in the events")
	}
}

func lastEvent(p *Provider, e Endpoint) Event {
	evs := p.Events(0)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Endpoint == e {
			return evs[i]
		}
	}
	return Event{}
}

func eventsJSON(t *testing.T, p *Provider) string {
	b, err := json.Marshal(p.Events(0))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}
