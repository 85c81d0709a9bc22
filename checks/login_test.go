package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// prodAuthorize is production CIS2's authorize endpoint. The probe only reads the redirect to
// it: nothing here contacts CIS2.
var prodAuthorize = model.CIS2.Environments[model.Production].AuthorizeEndpoint

// goodAuthorizeQuery is the authorize request a correct relying party sends for pkjwtConfig.
func goodAuthorizeQuery(redirect string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {"123456789012.apps.supplier"},
		"redirect_uri":          {redirect},
		"scope":                 {"openid profile nhsperson"},
		"state":                 {"state-0123456789abcdef-secret"},
		"nonce":                 {"nonce-0123456789abcdef-secret"},
		"code_challenge":        {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"},
		"acr_values":            {"AAL2_OR_AAL3_ANY"},
	}
}

// loginRP is a relying party on loopback TLS whose /login redirects to endpoint with the query
// edit leaves, and the configuration for it.
func loginRP(t *testing.T, pki *testPKI, endpoint string, edit func(q url.Values)) (*model.Config, Options) {
	t.Helper()
	var redirect string
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/login" {
			http.NotFound(w, r)
			return
		}
		q := goodAuthorizeQuery(redirect)
		if edit != nil {
			edit(q)
		}
		http.Redirect(w, r, endpoint+"?"+q.Encode(), http.StatusFound)
	}), testHost)
	redirect = urlFor(s, "/auth/cis2/callback")
	cfg := pkjwtConfig(redirect, urlFor(s, "/logout"), urlFor(s, "/jwks"))
	cfg.LoginURL = urlFor(s, "/login")
	return cfg, pki.testOptions()
}

// loginResults runs only the login probe's checks and returns their results by target.
func loginResults(t *testing.T, cfg *model.Config, opts Options) map[string]Result {
	t.Helper()
	var list []Check
	for _, c := range Plan(cfg, opts) {
		if c.ID == IDLogin {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		t.Fatal("no login checks in the plan")
	}
	out := map[string]Result{}
	for _, r := range Run(context.Background(), list, opts, nil) {
		out[r.Target] = r
	}
	return out
}

func TestLoginCorrectRequestPasses(t *testing.T) {
	pki := newPKI(t)
	cfg, opts := loginRP(t, pki, prodAuthorize, nil)
	rs := loginResults(t, cfg, opts)
	if len(rs) != 1+len(loginParams) {
		t.Fatalf("got %d login results, want %d", len(rs), 1+len(loginParams))
	}
	for target, r := range rs {
		if r.Status != model.Pass {
			t.Errorf("%s: %s %q (fix %q)", target, r.Status, r.Message, r.Fix)
		}
	}
	wantStatus(t, rs[loginTarget], model.Pass, "redirects to CIS2 production's authorize endpoint")
	// The per-sign-in values are the browser's, not the report's.
	for _, r := range rs {
		for k, v := range r.Evidence {
			if strings.Contains(v, "secret") {
				t.Errorf("%s evidence %s = %q repeats a state or nonce value", r.Target, k, v)
			}
		}
	}
}

// TestLoginFaults plants each problem the acceptance names and checks it is reported by name,
// as a failure (so check exits 1), on the parameter's own line.
func TestLoginFaults(t *testing.T) {
	pki := newPKI(t)
	tests := []struct {
		name   string
		edit   func(q url.Values)
		target string
		want   model.Severity
		msg    string
	}{
		{"http redirect_uri", func(q url.Values) {
			q.Set("redirect_uri", strings.Replace(q.Get("redirect_uri"), "https://", "http://", 1))
		}, "authorize?redirect_uri", model.Fail, "http behind a TLS-terminating proxy"},
		{"INT client id", func(q url.Values) { q.Set("client_id", "987654321098.apps.supplier") },
			"authorize?client_id", model.Fail, "not the configuration's 123456789012.apps.supplier"},
		{"missing openid", func(q url.Values) { q.Set("scope", "profile nhsperson") },
			"authorize?scope", model.Fail, "lacks openid"},
		{"response_mode=form_post", func(q url.Values) { q.Set("response_mode", "form_post") },
			"authorize?response_mode", model.Fail, "withdrew response_mode=form_post in release 11.01"},
		{"no nonce", func(q url.Values) { q.Del("nonce") },
			"authorize?nonce", model.Fail, "no nonce"},
		{"acr value CIS2 lacks", func(q url.Values) { q.Set("acr_values", "AAL1_USERPASS") },
			"authorize?acr_values", model.Fail, "AAL1_USERPASS, not in CIS2's acr_values_supported"},
		// and the rest of the rules
		{"unknown scope", func(q url.Values) { q.Set("scope", "openid offline_access") },
			"authorize?scope", model.Fail, "offline_access"},
		// RFC 9700 §4.7.1: with PKCE (S256) the client may rely on it against CSRF.
		{"no state, PKCE S256", func(q url.Values) { q.Del("state") }, "authorize?state", model.Warn, "PKCE S256 protects the callback"},
		{"short state", func(q url.Values) { q.Set("state", "abc") }, "authorize?state", model.Warn, "only 3 characters"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") },
			"authorize?code_challenge", model.Warn, "no PKCE"},
		// RFC 7636 §4.2: an S256 challenge is BASE64URL(SHA-256(verifier)), 43 characters.
		{"hex S256 challenge", func(q url.Values) {
			q.Set("code_challenge", "13d31e961a1ad8ec2f16b10c4c982e08766f4db5d8ef5ad7f2e5ae43a4e6f3a5")
		}, "authorize?code_challenge", model.Fail, "not the 43 base64url characters"},
		{"padded base64 S256 challenge", func(q url.Values) { q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM=") },
			"authorize?code_challenge", model.Fail, "not the 43 base64url characters"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") },
			"authorize?code_challenge", model.Warn, "use S256"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "id_token token") },
			"authorize?response_type", model.Fail, "only the authorization code flow"},
		{"fragment response mode", func(q url.Values) { q.Set("response_mode", "fragment") },
			"authorize?response_mode", model.Fail, "accepts only query"},
		{"query response mode", func(q url.Values) { q.Set("response_mode", "query") },
			"authorize?response_mode", model.Pass, "response_mode=query"},
		{"no acr_values", func(q url.Values) { q.Del("acr_values") }, "authorize?acr_values", model.Pass, "no acr_values"},
		{"redirect_uri trailing slash", func(q url.Values) { q.Set("redirect_uri", q.Get("redirect_uri")+"/") },
			"authorize?redirect_uri", model.Fail, "a trailing slash differs"},
		{"redirect_uri sent twice", func(q url.Values) { q.Add("redirect_uri", "https://evil.example/cb") },
			"authorize?redirect_uri", model.Fail, "sent 2 times"},
		// RFC 6749 §2.3.1, RFC 7636 §4.5: credentials never go in the front channel.
		{"client secret in the URL", func(q url.Values) { q.Set("client_secret", "s3cr3t-value") },
			"authorize?credentials", model.Fail, "carries client_secret in the browser's URL"},
		{"code_verifier in the URL", func(q url.Values) { q.Set("code_verifier", strings.Repeat("v", 43)) },
			"authorize?credentials", model.Fail, "carries code_verifier"},
		{"prompt reported", func(q url.Values) { q.Set("prompt", "login"); q.Set("max_age", "0") },
			loginTarget, model.Pass, "asks prompt=login, max_age=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, opts := loginRP(t, pki, prodAuthorize, tt.edit)
			rs := loginResults(t, cfg, opts)
			wantStatus(t, rs[tt.target], tt.want, tt.msg)
			for target, r := range rs {
				if target != tt.target && r.Status != model.Pass {
					t.Errorf("%s also reported: %s %q", target, r.Status, r.Message)
				}
			}
		})
	}
}

func TestLoginEndpoint(t *testing.T) {
	pki := newPKI(t)
	intAuthorize := model.CIS2.Environments[model.Integration].AuthorizeEndpoint
	tests := []struct {
		name     string
		endpoint string
		want     model.Severity
		msg      string
	}{
		{"production without :443", strings.Replace(prodAuthorize, ":443", "", 1), model.Pass, "production's authorize endpoint"},
		{"INT's endpoint in production", intAuthorize, model.Fail, "CIS2 integration's authorize endpoint, but this configuration is for production"},
		{"another identity provider", "https://login.other-idp.test/oauth2/authorize", model.Fail, "not CIS2's authorize endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, opts := loginRP(t, pki, tt.endpoint, nil)
			rs := loginResults(t, cfg, opts)
			wantStatus(t, rs[loginTarget], tt.want, tt.msg)
			// The parameters are still judged: they are an authorize request all the same.
			wantStatus(t, rs["authorize?client_id"], model.Pass, "configuration's client_id")
		})
	}
}

// TestLoginFollowsTheApplication follows redirects within the application's own sites (with
// the cookies it sets, as a browser would) and stops at its limits.
func TestLoginFollowsTheApplication(t *testing.T) {
	pki := newPKI(t)
	mux := http.NewServeMux()
	var redirect string
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "pre", Value: "1", Path: "/"})
		http.Redirect(w, r, "/auth/start", http.StatusFound)
	})
	mux.HandleFunc("/auth/start", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("pre"); err != nil {
			http.Error(w, "no session", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, prodAuthorize+"?"+goodAuthorizeQuery(redirect).Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<a href=/login>Sign in</a>")) })
	srv := pki.server(t, mux, testHost)
	redirect = urlFor(srv, "/auth/cis2/callback")
	cfg := pkjwtConfig(redirect, urlFor(srv, "/logout"), urlFor(srv, "/jwks"))
	opts := pki.testOptions()

	cfg.LoginURL = urlFor(srv, "/login")
	rs := loginResults(t, cfg, opts)
	wantStatus(t, rs[loginTarget], model.Pass, "authorize endpoint")
	if hops := rs[loginTarget].Evidence["hops"]; !strings.Contains(hops, "302") || !strings.Contains(hops, "303") {
		t.Errorf("hops = %q, want both redirects", hops)
	}

	cfg.LoginURL = urlFor(srv, "/loop")
	rs = loginResults(t, cfg, opts)
	wantStatus(t, rs[loginTarget], model.Fail, "stopped after 5 redirects")
	wantStatus(t, rs["authorize?nonce"], model.Skip, "no authorize request reached")

	cfg.LoginURL = urlFor(srv, "/page")
	wantStatus(t, loginResults(t, cfg, opts)[loginTarget], model.Fail, "answered 200 without redirecting to CIS2")

	// --login-url wins over the file.
	opts.LoginURL = urlFor(srv, "/login")
	wantStatus(t, loginResults(t, cfg, opts)[loginTarget], model.Pass, "authorize endpoint")
}

func TestLoginRefusesADowngrade(t *testing.T) {
	pki := newPKI(t)
	cfg, opts := loginRP(t, pki, "http://"+testHost+"/auth/cis2/authorize", nil)
	wantStatus(t, loginResults(t, cfg, opts)[loginTarget], model.Fail, "refused a redirect from https to http")
}

func TestLoginWithoutURLSkips(t *testing.T) {
	cfg := pkjwtConfig("https://a.cis2-golive.test/cb", "https://a.cis2-golive.test/logout", "https://a.cis2-golive.test/jwks")
	rs := loginResults(t, cfg, Options{})
	if len(rs) != 1 {
		t.Fatalf("got %d results, want one skip", len(rs))
	}
	wantStatus(t, rs[loginTarget], model.Skip, "--login-url")
}

func TestLoginUsesLiveDiscoveryLists(t *testing.T) {
	pki := newPKI(t)
	disc := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"issuer":"https://cis2.cis2-golive.test/realm","token_endpoint":"https://cis2.cis2-golive.test/realm/access_token",
			"authorization_endpoint":"https://cis2.cis2-golive.test/realm/authorize",
			"scopes_supported":["openid","special"],"acr_values_supported":["AAL9_TEST"]}`))
	}), "cis2.cis2-golive.test")
	cfg, opts := loginRP(t, pki, "https://cis2.cis2-golive.test/realm/authorize", func(q url.Values) {
		q.Set("scope", "openid special")
		q.Set("acr_values", "AAL9_TEST")
	})
	opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
	u, _ := url.Parse(disc.URL)
	opts.Discovery = "https://cis2.cis2-golive.test:" + u.Port() + "/.well-known/openid-configuration"
	rs := loginResults(t, cfg, opts)
	wantStatus(t, rs[loginTarget], model.Pass, "as the live discovery document gives it")
	wantStatus(t, rs["authorize?scope"], model.Pass, "only scopes CIS2 lists")
	wantStatus(t, rs["authorize?acr_values"], model.Pass, "each one CIS2 lists")
}

func TestModelAuthorizeEndpointsMatchSnapshots(t *testing.T) {
	for env, e := range model.CIS2.Environments {
		d, err := snapshot(env)
		if err != nil {
			t.Fatal(err)
		}
		if d.AuthorizationEndpoint != e.AuthorizeEndpoint {
			t.Errorf("%s: snapshot authorization_endpoint %q, model %q", env, d.AuthorizationEndpoint, e.AuthorizeEndpoint)
		}
	}
}

// TestLoginWithUnreadableDiscoverySkips: when the --discovery document asked for cannot be
// had, the probe has no authorize endpoint to compare with and skips with that reason, as
// every check that needs the document does; it never falls back to the built-in table.
func TestLoginWithUnreadableDiscoverySkips(t *testing.T) {
	pki := newPKI(t)
	disc := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}), "cis2.cis2-golive.test")
	cfg, opts := loginRP(t, pki, prodAuthorize, nil)
	opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
	u, _ := url.Parse(disc.URL)
	opts.Discovery = "https://cis2.cis2-golive.test:" + u.Port() + "/.well-known/openid-configuration"
	rs := loginResults(t, cfg, opts)
	wantStatus(t, rs[loginTarget], model.Skip, "no discovery document: could not read --discovery")
	if strings.Contains(rs[loginTarget].Message, "table") {
		t.Errorf("message %q names the built-in table", rs[loginTarget].Message)
	}
	wantStatus(t, rs["authorize?client_id"], model.Skip, "no authorize request reached")
}

// TestLoginWithAnotherEnvironmentsDiscoverySkips: an INT discovery document passed for a
// production configuration gives INT's authorize endpoint; a login page that redirects there
// must not read as production's. The probe skips, as token.probe does (cis2.algs fails).
func TestLoginWithAnotherEnvironmentsDiscoverySkips(t *testing.T) {
	pki := newPKI(t)
	intEnv := model.CIS2.Environments[model.Integration]
	disc := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":%q,"authorization_endpoint":%q}`, intEnv.Issuer, intEnv.TokenEndpoint, intEnv.AuthorizeEndpoint)
	}), "cis2.cis2-golive.test")
	cfg, opts := loginRP(t, pki, intEnv.AuthorizeEndpoint, nil)
	opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
	u, _ := url.Parse(disc.URL)
	opts.Discovery = "https://cis2.cis2-golive.test:" + u.Port() + "/.well-known/openid-configuration"
	rs := loginResults(t, cfg, opts)
	wantStatus(t, rs[loginTarget], model.Skip, "the discovery document is CIS2 integration's, not production's")
}

// TestLoginShowsNoCredential: what the report shows of the request never carries a
// credential the application put in a URL (a client secret, a PKCE verifier, a request
// object holding state and nonce, an ID token), nor the query of a URL the application
// redirected through, where per-sign-in values travel too.
func TestLoginShowsNoCredential(t *testing.T) {
	pki := newPKI(t)
	const secret = "s3cr3t-value-never-shown"
	cfg, opts := loginRP(t, pki, prodAuthorize, func(q url.Values) {
		for _, p := range []string{"client_secret", "code_verifier", "client_assertion", "request", "id_token_hint"} {
			q.Set(p, secret+"-"+p)
		}
	})
	for _, r := range loginResults(t, cfg, opts) {
		blob, _ := json.Marshal(r)
		if strings.Contains(string(blob), secret) {
			t.Errorf("%s shows a credential: %s", r.Target, blob)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/auth/start?state="+secret, http.StatusFound)
	})
	mux.HandleFunc("/auth/start", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("sign in")) })
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/auth/%zz?state="+secret)
		w.WriteHeader(http.StatusFound)
	})
	srv := pki.server(t, mux, testHost)
	cfg = pkjwtConfig(urlFor(srv, "/cb"), urlFor(srv, "/logout"), urlFor(srv, "/jwks"))
	for _, path := range []string{"/login", "/bad"} {
		cfg.LoginURL = urlFor(srv, path)
		r := loginResults(t, cfg, pki.testOptions())[loginTarget]
		if r.Status != model.Fail {
			t.Errorf("%s: %s %q, want a failure", path, r.Status, r.Message)
		}
		if blob, _ := json.Marshal(r); strings.Contains(string(blob), secret) {
			t.Errorf("%s: the result repeats a redirect's query: %s", path, blob)
		}
	}
}

// TestLoginStaysOnTheApplication: a redirect to another site (a broker, an attacker's page)
// is judged, never fetched, and a redirect loop within the application is followed five
// times, no more.
func TestLoginStaysOnTheApplication(t *testing.T) {
	pki := newPKI(t)
	const elsewhere = "idp.elsewhere.test"
	var offSite, loops atomic.Int32
	other := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { offSite.Add(1) }), elsewhere)
	ou, _ := url.Parse(other.URL)
	mux := http.NewServeMux()
	var redirect string
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		q := goodAuthorizeQuery(redirect)
		http.Redirect(w, r, "https://"+elsewhere+":"+ou.Port()+"/authorize?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		loops.Add(1)
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	srv := pki.server(t, mux, testHost)
	redirect = urlFor(srv, "/cb")
	cfg := pkjwtConfig(redirect, urlFor(srv, "/logout"), urlFor(srv, "/jwks"))
	opts := pki.testOptions()
	opts.Resolver = mapResolver{testHost: loopback, elsewhere: loopback}

	cfg.LoginURL = urlFor(srv, "/login")
	wantStatus(t, loginResults(t, cfg, opts)[loginTarget], model.Fail, "not CIS2's authorize endpoint")
	if n := offSite.Load(); n != 0 {
		t.Errorf("the probe fetched the other site %d times", n)
	}
	cfg.LoginURL = urlFor(srv, "/loop")
	wantStatus(t, loginResults(t, cfg, opts)[loginTarget], model.Fail, "stopped after 5 redirects")
	if n := loops.Load(); n != MaxRedirects {
		t.Errorf("%d requests to the loop, want %d (the login page and 4 redirects followed; the 5th is read, not followed)", n, MaxRedirects)
	}
}

// TestLoginNoStateNoPKCE: without state and without PKCE nothing ties the callback to the
// browser that started sign-in.
func TestLoginNoStateNoPKCE(t *testing.T) {
	pki := newPKI(t)
	cfg, opts := loginRP(t, pki, prodAuthorize, func(q url.Values) {
		q.Del("state")
		q.Del("code_challenge")
		q.Del("code_challenge_method")
	})
	rs := loginResults(t, cfg, opts)
	wantStatus(t, rs["authorize?state"], model.Fail, "no state: the callback cannot be tied")
	wantStatus(t, rs["authorize?code_challenge"], model.Warn, "no PKCE")
}
