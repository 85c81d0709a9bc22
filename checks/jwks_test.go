package checks

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// testRSAKeys are generated once per test binary: RSA generation is slow on a shared machine.
var testRSAKeys = sync.OnceValues(func() ([]*rsa.PrivateKey, error) {
	var ks []*rsa.PrivateKey
	for range 2 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, nil
})

func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	ks, err := testRSAKeys()
	if err != nil {
		t.Fatal(err)
	}
	return ks[i]
}

// writeKey writes key as a PKCS#8 PEM file with the given mode and returns its path.
func writeKey(t testing.TB, key *rsa.PrivateKey, mode os.FileMode) string {
	t.Helper()
	data, err := keys.EncodePKCS8PEM(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "private.pem")
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode) // umask may have narrowed it
	return path
}

// jwksOf is the published JWK Set for keys, with alg RS512.
func jwksOf(t testing.TB, ks ...*rsa.PrivateKey) []byte {
	t.Helper()
	var pub []keys.Key
	for _, k := range ks {
		jk, err := keys.PublicJWK(&k.PublicKey, "RS512")
		if err != nil {
			t.Fatal(err)
		}
		pub = append(pub, jk)
	}
	data, err := keys.MarshalSet(pub)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// serveJSON answers every request with body as contentType.
func serveJSON(body []byte, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

// jwksConfig starts a JWKS server with h and returns a config whose only endpoint is it.
func jwksConfig(t *testing.T, pki *testPKI, h http.Handler) *model.Config {
	s := pki.server(t, h, testHost)
	cfg := pkjwtConfig(urlFor(s, "/cb"), "", urlFor(s, "/jwks"))
	return cfg
}

func TestJWKSFetch(t *testing.T) {
	pki := newPKI(t)
	good := jwksOf(t, rsaKey(t, 0))
	single, _ := json.Marshal(json.RawMessage(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`))
	tests := []struct {
		name string
		h    http.Handler
		want model.Severity
		msg  string
	}{
		{"jwk-set+json", serveJSON(good, "application/jwk-set+json"), model.Pass, "fetched a JWK Set with 1 key(s)"},
		{"application/json with charset", serveJSON(good, "application/json; charset=utf-8"), model.Pass, "fetched a JWK Set"},
		{"text/plain", serveJSON(good, "text/plain"), model.Warn, `served as "text/plain"`},
		{"404", http.NotFoundHandler(), model.Fail, "answered HTTP 404"},
		{"HTML", serveJSON([]byte("<html>login</html>"), "text/html"), model.Fail, "not a JWK Set"},
		{"single JWK", serveJSON(single, "application/json"), model.Fail, "a single JWK, not a JWK Set"},
		{"over 1 MiB", serveJSON([]byte(`{"keys":[], "pad":"`+strings.Repeat("x", MaxDocumentBody)+`"}`), "application/json"),
			model.Fail, "larger than the size limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runOneCheck(t, jwksConfig(t, pki, tt.h), pki.testOptions(), IDJWKSFetch, "jwks_uri")
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

func TestJWKSFetchFailureSkipsDependants(t *testing.T) {
	pki := newPKI(t)
	cfg := jwksConfig(t, pki, http.NotFoundHandler())
	opts := pki.testOptions()
	opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
	for _, id := range []string{IDJWKSPublic, IDJWKSLint, IDJWKSAlgMatch, IDAssertion} {
		r := runOneCheck(t, cfg, opts, id, "jwks_uri")
		wantStatus(t, r, model.Skip, "see jwks.fetch")
	}
}

// TestJWKSHangCountsOnce: a JWKS endpoint that never answers is one failure (jwks.fetch), and
// the checks built on the fetch skip pointing at it, rather than each reporting "no answer".
func TestJWKSHangCountsOnce(t *testing.T) {
	pki := newPKI(t)
	cfg := jwksConfig(t, pki, hang)
	opts := pki.testOptions()
	opts.Timeout = 300 * time.Millisecond // waited out once: the fetch hangs
	// The run's own limit (2 × Timeout by default) is not what this test is about: with it,
	// a loaded machine that ran the dependants late turned their skips into "not started".
	// Every assertion here follows from the fetch failing, which no slowness can change.
	opts.SuiteTimeout = time.Minute
	opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
	opts.ProbeTokenEndpoint = true
	cfg.ClientID = "123456789012.apps.supplier"
	got := map[string]Result{}
	for _, r := range Run(context.Background(), Plan(cfg, opts), opts, nil) {
		if r.Target == "jwks_uri" || r.ID == IDTokenProbe {
			got[r.ID] = r
		}
	}
	wantStatus(t, got[IDJWKSFetch], model.Fail, "no answer")
	for _, id := range []string{IDJWKSPublic, IDJWKSLint, IDJWKSAlgMatch, IDAssertion, IDTokenProbe} {
		wantStatus(t, got[id], model.Skip, msgNoJWKS)
	}
}

// TestJWKSFetchAndItsDependantsAgree: jwks.fetch and the checks built on the set tell one
// story even when the fetch ends after jwks.fetch's own timeout would have. On a loaded
// machine the set's parsing, our own work after the server answered, outlasted it: the
// runner's "no answer within" stood beside jwks.* passes on the keys the fetch brought in.
// Here the fetch is held for several timeouts; jwks.fetch must report what it brought.
func TestJWKSFetchAndItsDependantsAgree(t *testing.T) {
	set, err := keys.ParseSet(jwksOf(t, rsaKey(t, 0)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := pkjwtConfig("https://"+testHost+"/cb", "", "https://"+testHost+"/jwks")
	opts := Options{Timeout: 50 * time.Millisecond, SuiteTimeout: time.Minute}
	r := newRun(cfg, opts)
	fetched := Result{Status: model.Pass, Message: "fetched a JWK Set with 1 key(s)"}
	loading := make(chan struct{})
	go r.jwksOnce.get(func() jwksFetch { // the run's one fetch, slower than the timeout
		close(loading)
		time.Sleep(4 * opts.Timeout)
		return jwksFetch{set: set, res: fetched}
	})
	<-loading
	list := []Check{r.jwksFetchCheck(),
		{ID: IDJWKSPublic, Target: "jwks_uri", Priority: Critical, After: r.awaitJWKS, Run: r.publicOnly}}
	rs := Run(t.Context(), list, opts, nil)
	if rs[0].Status != model.Pass || rs[0].Message != fetched.Message {
		t.Errorf("jwks.fetch %s %q, want the fetch's own pass", rs[0].Status, rs[0].Message)
	}
	wantStatus(t, rs[1], model.Pass, "")
}

// TestJWKSFetchedOnce runs every jwks check together and counts the requests.
func TestJWKSFetchedOnce(t *testing.T) {
	pki := newPKI(t)
	var mu sync.Mutex
	fetches := 0
	body := jwksOf(t, rsaKey(t, 0))
	cfg := jwksConfig(t, pki, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jwks" {
			mu.Lock()
			fetches++
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	opts := pki.testOptions()
	opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
	var list []Check
	for _, c := range Plan(cfg, opts) {
		if strings.HasPrefix(c.ID, "jwks.") || c.ID == IDAssertion {
			list = append(list, c)
		}
	}
	for _, r := range Run(t.Context(), list, opts, nil) {
		if r.Status != model.Pass {
			t.Errorf("%s: %s %q", r.ID, r.Status, r.Message)
		}
	}
	if fetches != 1 {
		t.Errorf("JWKS fetched %d times, want 1", fetches)
	}
}

func TestJWKSPublicOnlyAndLint(t *testing.T) {
	pki := newPKI(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pubJWK := func(k *rsa.PrivateKey) map[string]any {
		var set struct{ Keys []map[string]any }
		if err := json.Unmarshal(jwksOf(t, k), &set); err != nil {
			t.Fatal(err)
		}
		return set.Keys[0]
	}
	setOf := func(ks ...map[string]any) []byte {
		data, _ := json.Marshal(map[string]any{"keys": ks})
		return data
	}
	withD := pubJWK(rsaKey(t, 0))
	withD["d"] = "c2VjcmV0"
	noKid := pubJWK(rsaKey(t, 0))
	delete(noKid, "kid")
	encUse := pubJWK(rsaKey(t, 0))
	encUse["use"] = "enc"

	tests := []struct {
		name string
		set  []byte
		id   string
		want model.Severity
		msg  string
	}{
		{"public only", jwksOf(t, rsaKey(t, 0), rsaKey(t, 1)), IDJWKSPublic, model.Pass, "all 2 key(s) are public"},
		{"private member d", setOf(withD), IDJWKSPublic, model.Fail, "CRITICAL"},
		{"symmetric", setOf(map[string]any{"kty": "oct", "kid": "s", "k": "c2VjcmV0c2VjcmV0"}), IDJWKSPublic, model.Fail, "symmetric"},
		{"RSA 1024", setOf(pubJWK(small)), IDJWKSPublic, model.Fail, "1024 bits"},
		{"lint clean", jwksOf(t, rsaKey(t, 0), rsaKey(t, 1)), IDJWKSLint, model.Pass, "each with its own kid"},
		{"one key without kid warns (RFC 7517 §4.5)", setOf(noKid), IDJWKSLint, model.Warn, "has no kid"},
		{"two keys without kid fail", setOf(noKid, noKid), IDJWKSLint, model.Fail, "cannot tell these apart"},
		{"duplicate kid", setOf(pubJWK(rsaKey(t, 0)), pubJWK(rsaKey(t, 0))), IDJWKSLint, model.Fail, "with the same kty RSA"},
		{"use enc on the only key", setOf(encUse), IDJWKSLint, model.Fail, `use "enc"`},
		{"use enc beside a signing key", setOf(pubJWK(rsaKey(t, 1)), encUse), IDJWKSLint, model.Warn, `use "enc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := jwksConfig(t, pki, serveJSON(tt.set, "application/json"))
			r := runOneCheck(t, cfg, pki.testOptions(), tt.id, "jwks_uri")
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

func TestJWKSAlgMatch(t *testing.T) {
	pki := newPKI(t)
	set := jwksOf(t, rsaKey(t, 0))
	tests := []struct {
		alg  string
		want model.Severity
		msg  string
	}{
		{"RS512", model.Pass, "key(s) that can verify RS512"},
		{"RS256", model.Fail, "limited to alg RS512"}, // the published key declares alg RS512
		{"ES256", model.Fail, "needs an EC P-256 key"},
		{"", model.Skip, "no token_endpoint_auth_signing_alg"},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			cfg := jwksConfig(t, pki, serveJSON(set, "application/json"))
			cfg.TokenEndpointAuthSigningAlg = tt.alg
			r := runOneCheck(t, cfg, pki.testOptions(), IDJWKSAlgMatch, "jwks_uri")
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

func TestJWKSAlgMatchEmptySet(t *testing.T) {
	pki := newPKI(t)
	cfg := jwksConfig(t, pki, serveJSON([]byte(`{"keys":[]}`), "application/json"))
	r := runOneCheck(t, cfg, pki.testOptions(), IDJWKSAlgMatch, "jwks_uri")
	wantStatus(t, r, model.Fail, "the JWKS has no keys")
}

func TestAssertion(t *testing.T) {
	pki := newPKI(t)
	set := jwksOf(t, rsaKey(t, 0))
	cfg := jwksConfig(t, pki, serveJSON(set, "application/json"))
	opts := pki.testOptions()

	t.Run("no key skips with how to run it", func(t *testing.T) {
		r := runOneCheck(t, cfg, opts, IDAssertion, "jwks_uri")
		wantStatus(t, r, model.Skip, "--key private.pem")
	})
	t.Run("key readable by others", func(t *testing.T) {
		o := opts
		o.KeyPath = writeKey(t, rsaKey(t, 0), 0o644)
		r := runOneCheck(t, cfg, o, IDAssertion, "jwks_uri")
		wantStatus(t, r, model.Fail, "readable by group or others")
		if r.Fix != "chmod 600 "+o.KeyPath {
			t.Errorf("fix = %q", r.Fix)
		}
	})
	t.Run("key not published", func(t *testing.T) {
		o := opts
		o.KeyPath = writeKey(t, rsaKey(t, 1), 0o600)
		r := runOneCheck(t, cfg, o, IDAssertion, "jwks_uri")
		if r.Status != model.Fail || r.Message != "the key's public half is not in the JWKS" {
			t.Errorf("got %s %q", r.Status, r.Message)
		}
	})
	t.Run("signs and verifies as CIS2 expects", func(t *testing.T) {
		o := opts
		o.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
		r := runOneCheck(t, cfg, o, IDAssertion, "jwks_uri")
		wantStatus(t, r, model.Pass, "verified it against the fetched JWKS")
		var claims map[string]any
		if err := json.Unmarshal([]byte(r.Evidence["claims"]), &claims); err != nil {
			t.Fatalf("claims evidence: %v", err)
		}
		wantAud := model.CIS2.Environments[model.Production].TokenEndpoint
		if claims["aud"] != wantAud || !strings.Contains(wantAud, ":443/") {
			t.Errorf("aud = %v, want %s with the explicit :443", claims["aud"], wantAud)
		}
		if claims["iss"] != cfg.ClientID || claims["sub"] != cfg.ClientID || claims["jti"] == "" {
			t.Errorf("claims = %v", claims)
		}
		if life := claims["exp"].(float64) - claims["iat"].(float64); life <= 0 || life > 300 {
			t.Errorf("lifetime %v s, want (0, 300]", life)
		}
		tp, _ := keys.Thumbprint(&rsaKey(t, 0).PublicKey)
		if r.Evidence["kid"] != tp || r.Evidence["alg"] != "RS512" {
			t.Errorf("kid %q alg %q, want the published kid %q and RS512", r.Evidence["kid"], r.Evidence["alg"], tp)
		}
		for k, v := range r.Evidence {
			if strings.Contains(v, "PRIVATE") || strings.Count(v, ".") == 2 && len(v) > 200 {
				t.Errorf("evidence %s looks like a key or a signed token: %.40s…", k, v)
			}
		}
	})
	t.Run("placeholder client id is said", func(t *testing.T) {
		o := opts
		o.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
		c := *cfg
		c.ClientID = ""
		r := runOneCheck(t, &c, o, IDAssertion, "jwks_uri")
		wantStatus(t, r, model.Pass, "client_id is not set, so iss and sub used the placeholder")
	})
}

// fakeCIS2 serves a discovery document and a token endpoint that verifies client assertions
// against pub, answering like CIS2: invalid_grant once the client is authenticated.
func fakeCIS2(t *testing.T, pki *testPKI, pub *rsa.PublicKey, algs []string) (discoveryURL string) {
	var base string
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": base, "token_endpoint": base + "/access_token", "jwks_uri": base + "/jwks",
				"token_endpoint_auth_signing_alg_values_supported": algs,
				"token_endpoint_auth_methods_supported":            []string{"private_key_jwt", "client_secret_basic"},
			})
		case "/access_token":
			_, err := jwt.Parse(r.PostFormValue("client_assertion"), func(*jwt.Token) (any, error) { return pub, nil },
				jwt.WithAudience(base+"/access_token"), jwt.WithIssuer(r.PostFormValue("client_id")))
			w.WriteHeader(http.StatusBadRequest)
			if err != nil || r.PostFormValue("client_assertion_type") != clientAssertionType {
				w.Write([]byte(`{"error":"invalid_client","error_description":"JWT is not valid"}`))
				return
			}
			w.Write([]byte(`{"error":"invalid_grant","error_description":"\u001b[31mAuthorization code doesn't exist."}`))
		}
	}), "cis2.cis2-golive.test")
	base = strings.Replace(s.URL, "127.0.0.1", "cis2.cis2-golive.test", 1)
	return base + "/.well-known/openid-configuration"
}

func TestCIS2Algs(t *testing.T) {
	pki := newPKI(t)
	opts := pki.testOptions()
	opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
	cfg := pkjwtConfig("https://app.cis2-golive.test/cb", "", "")

	r := runOneCheck(t, cfg, opts, IDCIS2Algs, "discovery")
	wantStatus(t, r, model.Pass, "RS512 is in token_endpoint_auth_signing_alg_values_supported (snapshot values unconfirmed by NHS)")

	odd := *cfg
	odd.TokenEndpointAuthSigningAlg = "XS999"
	r = runOneCheck(t, &odd, opts, IDCIS2Algs, "discovery")
	wantStatus(t, r, model.Warn, "not in the snapshot's token_endpoint_auth_signing_alg_values_supported")

	live := opts
	live.Discovery = fakeCIS2(t, pki, &rsaKey(t, 0).PublicKey, []string{"RS256"})
	r = runOneCheck(t, cfg, live, IDCIS2Algs, "discovery")
	wantStatus(t, r, model.Fail, "RS512 is not in token_endpoint_auth_signing_alg_values_supported: CIS2 will not accept it")

	// No fallback: a --discovery that cannot be read fails, it is not swapped for the snapshot.
	down := opts
	down.Discovery = "https://nowhere.cis2-golive.test/.well-known/openid-configuration"
	r = runOneCheck(t, cfg, down, IDCIS2Algs, "discovery")
	wantStatus(t, r, model.Fail, "could not read --discovery https://nowhere.cis2-golive.test/.well-known/openid-configuration: no such host")
	if r.Evidence["source"] == "the embedded discovery snapshot" || strings.Contains(r.Message, "snapshot") {
		t.Errorf("compared with the snapshot after all: %+v", r)
	}
}

func TestTokenProbe(t *testing.T) {
	pki := newPKI(t)
	set := jwksOf(t, rsaKey(t, 0))
	cfg := jwksConfig(t, pki, serveJSON(set, "application/json"))
	opts := pki.testOptions()
	opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
	opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)

	r := runOneCheck(t, cfg, opts, IDTokenProbe, "token_endpoint")
	wantStatus(t, r, model.Skip, "opt-in")

	opts.ProbeTokenEndpoint = true
	opts.Discovery = fakeCIS2(t, pki, &rsaKey(t, 0).PublicKey, []string{"RS512"})
	r = runOneCheck(t, cfg, opts, IDTokenProbe, "token_endpoint")
	wantStatus(t, r, model.Pass, "CIS2 accepted the client authentication")
	if strings.ContainsRune(r.Message, 0x1b) {
		t.Errorf("server text not sanitised: %q", r.Message)
	}

	// CIS2 holds a different key for this client: it rejects the authentication.
	opts.Discovery = fakeCIS2(t, pki, &rsaKey(t, 1).PublicKey, []string{"RS512"})
	r = runOneCheck(t, cfg, opts, IDTokenProbe, "token_endpoint")
	wantStatus(t, r, model.Fail, "CIS2 rejected the client authentication")

	// The assertion check uses the live token endpoint as aud.
	r = runOneCheck(t, cfg, opts, IDAssertion, "jwks_uri")
	if !strings.HasPrefix(r.Evidence["aud"], "https://cis2.cis2-golive.test:") || r.Evidence["aud_source"] != "the live discovery document" {
		t.Errorf("aud %q from %q, want the live token endpoint", r.Evidence["aud"], r.Evidence["aud_source"])
	}
}

func TestSnapshotsAgreeWithModel(t *testing.T) {
	for env, want := range model.CIS2.Environments {
		d, err := snapshot(env)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		if d.Issuer != want.Issuer || d.TokenEndpoint != want.TokenEndpoint || d.JWKSURI != want.JWKSURI {
			t.Errorf("%s snapshot endpoints differ from model.CIS2: %+v", env, d)
		}
		for _, alg := range model.CIS2.TokenEndpointSigningAlgs {
			if !slices.Contains(d.TokenAuthAlgs, alg) {
				t.Errorf("%s snapshot lacks %s, which model.CIS2 offers", env, alg)
			}
		}
		// One fact, one list: cis2.algs and the offline rule judge userinfo alike.
		if !slices.Equal(d.UserinfoAlgs, model.CIS2.UserinfoAdvertisedAlgs) {
			t.Errorf("%s snapshot userinfo algs %v, model.CIS2 says CIS2 advertises %v", env, d.UserinfoAlgs, model.CIS2.UserinfoAdvertisedAlgs)
		}
	}
}

// TestDiscoveryFromAnotherEnvironment: an INT discovery document given for a production
// configuration fails cis2.algs and stops token.probe, so a go-live call never probes INT
// (or signs for INT's token endpoint) by mistake.
func TestDiscoveryFromAnotherEnvironment(t *testing.T) {
	intEnv := model.CIS2.Environments[model.Integration]
	cfg := &model.Config{Environment: model.Production, ClientID: "123456789012.apps.supplier",
		RedirectURIs: []string{"https://epr.acme-health.co.uk/cb"}, TokenEndpointAuthMethod: model.PrivateKeyJWT,
		TokenEndpointAuthSigningAlg: "RS512"}
	r := &run{cfg: cfg, opts: Options{Discovery: intEnv.Discovery, ProbeTokenEndpoint: true}.withDefaults()}
	r.discOnce.get(func() discovery {
		return discovery{live: true, doc: discoveryDoc{Issuer: intEnv.Issuer, TokenEndpoint: intEnv.TokenEndpoint,
			TokenAuthAlgs: []string{"RS512"}, AuthMethods: []string{"private_key_jwt"}}}
	})
	algs := r.cis2Algs(t.Context())
	if algs.Status != model.Fail || !strings.Contains(algs.Message, "CIS2 integration's, but this configuration is for production") ||
		!strings.Contains(algs.Fix, model.CIS2.Environments[model.Production].Discovery) {
		t.Fatalf("cis2.algs = %+v", algs)
	}
	if probe := r.tokenProbe(t.Context()); probe.Status != model.Skip || !strings.HasPrefix(probe.Message, "not sent") {
		t.Fatalf("token.probe = %+v", probe)
	}
	cfg.Environment = model.Integration // the same document for an INT configuration is right
	if algs := r.cis2Algs(t.Context()); algs.Status != model.Pass {
		t.Fatalf("integration: %+v", algs)
	}
}
