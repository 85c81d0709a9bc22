package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// The fuzz targets of the live checks cover what they parse from a server without the
// network: the token endpoint's OAuth error JSON and a live discovery document. (JWK Sets are
// fuzzed in package keys.) A result built from any answer must be printable and bounded.

func addSeedFiles(f *testing.F, pattern string) {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(paths) == 0 {
		f.Fatalf("no seeds match testdata/%s", pattern)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// resultIsClean fails when a result is empty or holds a control character or an over-long
// server-quoted value. Messages may quote several cleaned values, so they get a looser cap.
func resultIsClean(t *testing.T, r Result) {
	t.Helper()
	if r.Status == "" || r.Message == "" {
		t.Fatalf("incomplete result %+v", r)
	}
	assertPrintable(t, r)
	if n := utf8.RuneCountInString(r.Message); n > 8*sanitize.MaxRunes {
		t.Fatalf("message of %d runes", n)
	}
	if n := utf8.RuneCountInString(r.Fix); n > 4*sanitize.MaxRunes {
		t.Fatalf("fix of %d runes", n)
	}
	for k, v := range r.Evidence {
		if utf8.RuneCountInString(v) > 4*sanitize.MaxRunes {
			t.Fatalf("evidence %s of %d runes", k, utf8.RuneCountInString(v))
		}
	}
}

// FuzzTokenAnswer: whatever the token endpoint answers, token.probe ends as a clean finding,
// and only a real invalid_grant is a pass.
func FuzzTokenAnswer(f *testing.F) {
	addSeedFiles(f, "fuzz-seeds/token-*.json")
	f.Add([]byte("<html>502 Bad Gateway</html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{200, 400, 401, 500} {
			r := tokenAnswer(status, body, map[string]string{"url": "https://cis2.test/access_token"})
			resultIsClean(t, r)
			if r.Status == model.Pass && r.Evidence["error"] != "invalid_grant" {
				t.Fatalf("pass without invalid_grant: %+v", r)
			}
		}
	})
}

// FuzzDiscovery: a live discovery document of any shape either is refused with our own words
// or yields a document whose strings are clean, and cis2.algs on it is a clean finding.
func FuzzDiscovery(f *testing.F) {
	addSeedFiles(f, "../data/discovery-*.json")
	f.Add([]byte(`{"issuer":"x","token_endpoint":"y","token_endpoint_auth_signing_alg_values_supported":["RS512\u001b[2J","` + strings.Repeat("A", 300) + `"]}`))
	f.Add([]byte(`{"issuer":1}`))
	f.Add([]byte(`{"issuer":"https://cis2.test","token_endpoint":"https://cis2.test/access_token\u202e","jwks_uri":"https://cis2.test/jwks"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := parseDiscovery(body)
		if err != nil {
			if e := err.Error(); e != "the answer is not a JSON discovery document" && e != "the document has no issuer or token_endpoint" && !strings.HasPrefix(e, "the document's ") {
				t.Fatalf("error quotes the server: %q", e)
			}
			return
		}
		r := &run{cfg: &model.Config{TokenEndpointAuthMethod: model.PrivateKeyJWT, TokenEndpointAuthSigningAlg: "RS512",
			UserinfoSignedResponseAlg: "RS256"}, opts: Options{Discovery: "https://cis2.test/.well-known/openid-configuration"}}
		r.discOnce.get(func() discovery { return discovery{doc: d, live: true} })
		res := r.cis2Algs(t.Context())
		res.ID, res.Target = IDCIS2Algs, targetDiscovery
		resultIsClean(t, res)
	})
}

// TestDiscoveryLongListsStayBounded: CI's fuzzer found that a document listing many long
// algorithm names made cis2.algs' evidence and fix grow with the list; both are capped now.
func TestDiscoveryLongListsStayBounded(t *testing.T) {
	long := `"` + strings.Repeat("A", 300) + `"`
	list := strings.TrimSuffix(strings.Repeat(long+",", 5000), ",")
	d, err := parseDiscovery([]byte(`{"issuer":"https://cis2.test","token_endpoint":"https://cis2.test/t",` +
		`"token_endpoint_auth_signing_alg_values_supported":[` + list + `],"token_endpoint_auth_methods_supported":[` + list + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := &run{cfg: &model.Config{TokenEndpointAuthMethod: model.PrivateKeyJWT, TokenEndpointAuthSigningAlg: "RS512"},
		opts: Options{Discovery: "https://cis2.test/.well-known/openid-configuration"}}
	r.discOnce.get(func() discovery { return discovery{doc: d, live: true} })
	res := r.cis2Algs(t.Context())
	resultIsClean(t, res)
	if res.Status != model.Fail {
		t.Fatalf("RS512 is not in the list, want fail: %+v", res)
	}
}

// TestParseDiscoveryKeepsEndpointsExact: endpoints are used as the assertion's aud and as the
// probe's URL, so they are kept byte for byte or the document is refused, never "cleaned".
func TestParseDiscoveryKeepsEndpointsExact(t *testing.T) {
	long := "https://cis2.test:443/" + strings.Repeat("realms/root/", 30) + "access_token"
	d, err := parseDiscovery([]byte(`{"issuer":"https://cis2.test:443/r","token_endpoint":"` + long + `"}`))
	if err != nil || d.TokenEndpoint != long || d.Issuer != "https://cis2.test:443/r" {
		t.Fatalf("a valid long endpoint must be kept exactly: %v %q", err, d.TokenEndpoint)
	}
	for name, doc := range map[string]string{
		"escape":    `{"issuer":"https://cis2.test","token_endpoint":"https://cis2.test/a\u001b[2J"}`,
		"bidi":      `{"issuer":"https://cis2.test","token_endpoint":"https://cis2.test/a\u202e"}`,
		"http":      `{"issuer":"https://cis2.test","token_endpoint":"http://cis2.test/a"}`,
		"relative":  `{"issuer":"https://cis2.test","token_endpoint":"/access_token"}`,
		"huge":      `{"issuer":"https://cis2.test","token_endpoint":"https://cis2.test/` + strings.Repeat("a", 3000) + `"}`,
		"bad jwks":  `{"issuer":"https://cis2.test","token_endpoint":"https://cis2.test/t","jwks_uri":"ftp://x"}`,
		"bad issue": `{"issuer":"cis2","token_endpoint":"https://cis2.test/t"}`,
	} {
		if _, err := parseDiscovery([]byte(doc)); err == nil || !strings.HasPrefix(err.Error(), "the document's ") {
			t.Errorf("%s: want the document refused naming the field, got %v", name, err)
		}
	}
}
