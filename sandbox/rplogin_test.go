package sandbox

import (
	"net/http"
	"net/url"
	"testing"
)

// loginRedirect GETs the relying party's login page without following it and returns the
// authorize request it redirects to.
func loginRedirect(t *testing.T, s *Sandbox) *url.URL {
	t.Helper()
	c := *s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(s.Config().LoginURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login answered %d, want 302", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginRedirectsToAuthorize(t *testing.T) {
	s := start(t, Options{})
	u := loginRedirect(t, s)
	if got := u.Scheme + "://" + u.Host + u.Path; got != s.Issuer()+"/authorize" {
		t.Errorf("redirects to %s, want fake CIS2's authorize endpoint", got)
	}
	q := u.Query()
	want := map[string]string{"response_type": "code", "client_id": ClientID, "redirect_uri": s.Config().RedirectURIs[0],
		"code_challenge_method": "S256", "acr_values": "AAL2_OR_AAL3_ANY"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(k) == "" {
			t.Errorf("no %s", k)
		}
	}
	if again := loginRedirect(t, s).Query(); again.Get("state") == q.Get("state") || again.Get("nonce") == q.Get("nonce") {
		t.Error("state and nonce must be fresh per sign-in")
	}
	p := newAuthorizeParams()
	if codeChallenge(p.CodeVerifier) == p.CodeVerifier || len(codeChallenge(p.CodeVerifier)) != 43 {
		t.Errorf("challenge %q is not a base64url SHA-256", codeChallenge(p.CodeVerifier))
	}
}

func TestLoginFaults(t *testing.T) {
	tests := []struct {
		fault Faults
		param string
		want  string // "" means absent
	}{
		{Faults{LoginINTClientID: true}, "client_id", INTClientID},
		{Faults{LoginNoOpenID: true}, "scope", "profile email nhsperson"},
		{Faults{LoginFormPost: true}, "response_mode", "form_post"},
		{Faults{LoginNoNonce: true}, "nonce", ""},
		{Faults{LoginUnknownACR: true}, "acr_values", "AAL1_USERPASS"},
	}
	for _, tt := range tests {
		s := start(t, Options{Faults: tt.fault})
		if got := loginRedirect(t, s).Query().Get(tt.param); got != tt.want {
			t.Errorf("%+v: %s = %q, want %q", tt.fault, tt.param, got, tt.want)
		}
	}
	s := start(t, Options{Faults: Faults{LoginHTTPRedirect: true}})
	got, _ := url.Parse(loginRedirect(t, s).Query().Get("redirect_uri"))
	reg, _ := url.Parse(s.Config().RedirectURIs[0])
	if got.Scheme != "http" || got.Host != reg.Host || got.Path != reg.Path {
		t.Errorf("redirect_uri %s, want the registered one with http", got)
	}
}
