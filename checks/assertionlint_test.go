package checks

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// opensslAssertion builds a client assertion the way a shell script with openssl would:
// base64url of the header and claims JSON, `openssl dgst -<hash> -sign KEY` over
// "header.payload", base64url of the signature. Nothing of this package's signing is used.
func opensslAssertion(t *testing.T, keyPath, hash string, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	script := `b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
h=$(printf '%s' "$1" | b64); p=$(printf '%s' "$2" | b64)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -` + hash + ` -sign "$3" | b64)
printf '%s.%s.%s' "$h" "$p" "$s"`
	out, err := exec.Command("sh", "-c", script, "sh", string(h), string(c), keyPath).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	return string(out)
}

// lintResults runs the lint and returns its results by id.
func lintResults(t *testing.T, cfg *model.Config, opts Options, token string, jwks *keys.Set) map[string]Result {
	t.Helper()
	list := AssertionLint(cfg, opts, token, jwks)
	out := map[string]Result{}
	for _, r := range Run(context.Background(), list, opts, nil) {
		out[r.ID] = r
	}
	return out
}

// TestAssertionLintOpenSSLAssertions lints assertions openssl signed, one fault each: each
// fault is named by its own rule, every other rule passes, and the token appears nowhere.
func TestAssertionLintOpenSSLAssertions(t *testing.T) {
	requireOpenSSL(t)
	pki := newPKI(t)
	key := rsaKey(t, 0)
	cfg := jwksConfig(t, pki, serveJSON(jwksOf(t, key), "application/json"))
	opts := pki.testOptions()
	keyPath := writeKey(t, key, 0o600)
	otherPath := writeKey(t, rsaKey(t, 1), 0o600)
	kid, _ := keys.Thumbprint(&key.PublicKey)
	env := model.CIS2.Environments[model.Production]
	now := time.Now()
	good := func() (map[string]any, map[string]any) {
		return map[string]any{"alg": "RS512", "kid": kid, "typ": "JWT"}, map[string]any{
			"iss": cfg.ClientID, "sub": cfg.ClientID, "aud": env.TokenEndpoint,
			"jti": "0f3c7c1e-5b7a-4a55-9a4d-1f0b6c2d9e11", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	}
	tests := []struct {
		name   string
		edit   func(h, c map[string]any)
		hash   string // openssl's digest; default sha512
		signer string // the key file; default the published key
		id     string
		want   model.Severity
		msg    string
	}{
		{"correct", nil, "", "", "", model.Pass, ""},
		{"aud without :443", func(_, c map[string]any) { c["aud"] = strings.Replace(env.TokenEndpoint, ":443", "", 1) },
			"", "", IDLintAud, model.Fail, "the :443 is missing"},
		{"aud is the issuer", func(_, c map[string]any) { c["aud"] = env.Issuer },
			"", "", IDLintAud, model.Fail, "it is the issuer, not the token endpoint"},
		// RFC 7523 §3 lets aud be an array; ForgeRock AM accepts one that holds the token
		// endpoint (OAuth2Jwt.isIntendedForAudience: getAudience().contains(tokenEndpoint)).
		{"aud is an array with the token endpoint", func(_, c map[string]any) { c["aud"] = []string{env.Issuer, env.TokenEndpoint} },
			"", "", IDLintAud, model.Warn, "aud is an array that holds the token endpoint"},
		{"aud is an array without the token endpoint", func(_, c map[string]any) {
			c["aud"] = []string{strings.Replace(env.TokenEndpoint, ":443", "", 1)}
		},
			"", "", IDLintAud, model.Fail, "none of them is the token endpoint"},
		{"iss is not sub", func(_, c map[string]any) { c["iss"] = "acme-epr-app-key" },
			"", "", IDLintIssSub, model.Fail, `iss "acme-epr-app-key" and sub "123456789012.apps.supplier" differ`},
		{"missing kid", func(h, _ map[string]any) { delete(h, "kid") },
			"", "", IDLintKID, model.Fail, "the header has no kid"},
		{"kid not published", func(h, _ map[string]any) { h["kid"] = "123456789012.apps.supplier" },
			"", "", IDLintKID, model.Fail, "is not in the published JWKS"},
		{"alg mismatch", func(h, _ map[string]any) { h["alg"] = "RS256" },
			"sha256", "", IDLintAlg, model.Fail, "alg RS256, but the configuration declares RS512"},
		{"1-hour lifetime", func(_, c map[string]any) { c["exp"] = now.Add(time.Hour).Unix() },
			"", "", IDLintLifetime, model.Warn, "lives 1h0m0s"},
		{"2-day lifetime", func(_, c map[string]any) { c["exp"] = now.Add(48 * time.Hour).Unix() },
			"", "", IDLintLifetime, model.Fail, "ahead, more than a day: ForgeRock AM"},
		{"future iat", func(_, c map[string]any) {
			c["iat"] = now.Add(10 * time.Minute).Unix()
			c["exp"] = now.Add(15 * time.Minute).Unix()
		},
			"", "", IDLintIssuedAt, model.Fail, "in the future: the signing server's clock is ahead"},
		{"no jti", func(_, c map[string]any) { delete(c, "jti") }, "", "", IDLintJTI, model.Fail, "no jti"},
		{"signed by another key", nil, "", otherPath, IDLintSignature, model.Fail, "does not verify with the published key"},
		{"exp before iat", func(_, c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() },
			"", "", IDLintLifetime, model.Fail, "born expired"},
		{"RFC 10070 typ", func(h, _ map[string]any) { h["typ"] = typRFC10070 },
			"", "", IDLintTyp, model.Pass, "CIS2, on ForgeRock AM, expects the token endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, c := good()
			if tt.edit != nil {
				tt.edit(h, c)
			}
			hash, signer := tt.hash, tt.signer
			if hash == "" {
				hash = "sha512"
			}
			if signer == "" {
				signer = keyPath
			}
			token := opensslAssertion(t, signer, hash, h, c)
			rs := lintResults(t, cfg, opts, token, nil)
			if len(rs) != 12 {
				t.Fatalf("%d results, want jwks.fetch, jwks.public-only and the 10 lint rules", len(rs))
			}
			for id, r := range rs {
				switch {
				case id == tt.id:
					wantStatus(t, r, tt.want, tt.msg)
				case tt.name == "alg mismatch" && id == IDLintSignature:
					wantStatus(t, r, model.Skip, "can verify RS256") // the published key is RS512's
				case tt.name == "kid not published" && id == IDLintSignature:
					wantStatus(t, r, model.Skip, "see "+IDLintKID)
				case r.Status != model.Pass:
					t.Errorf("%s also reported: %s %q", id, r.Status, r.Message)
				}
				blob, _ := json.Marshal(r)
				if sig := token[strings.LastIndex(token, ".")+1:]; strings.Contains(string(blob), sig) || strings.Contains(string(blob), token) {
					t.Errorf("%s repeats the assertion", id)
				}
			}
		})
	}
}

func TestAssertionLintWithoutAJWKSURIOrAJWT(t *testing.T) {
	cfg := &model.Config{Environment: model.Production, ClientID: "123456789012.apps.supplier", TokenEndpointAuthMethod: model.ClientSecretBasic}
	rs := lintResults(t, cfg, Options{}, "not-a-jwt", nil)
	wantStatus(t, rs[IDLintDecoded], model.Fail, "not a client assertion")
	wantStatus(t, rs[IDLintAud], model.Skip, "see "+IDLintDecoded)
	if _, fetched := rs[IDJWKSFetch]; fetched {
		t.Error("no jwks_uri, yet a fetch was planned")
	}
}

// correctAssertion is a configuration and an assertion openssl signed with key that follows
// every rule as of a minute after at, the moment it was signed.
func correctAssertion(t *testing.T, key *rsa.PrivateKey) (cfg *model.Config, token string, at time.Time) {
	cfg = pkjwtConfig("https://a.cis2-golive.test/cb", "https://a.cis2-golive.test/logout", "https://nowhere.cis2-golive.test/jwks")
	kid, _ := keys.Thumbprint(&key.PublicKey)
	at = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	token = opensslAssertion(t, writeKey(t, key, 0o600), "sha512", map[string]any{"alg": "RS512", "kid": kid},
		map[string]any{"iss": cfg.ClientID, "sub": cfg.ClientID, "aud": cfg.CIS2().TokenEndpoint, "jti": "j-1",
			"iat": at.Unix(), "exp": at.Add(5 * time.Minute).Unix()})
	return cfg, token, at
}

// TestAssertionLintWithAJWKSFile: a set read from a file stands in for the fetch.
func TestAssertionLintWithAJWKSFile(t *testing.T) {
	requireOpenSSL(t)
	key := rsaKey(t, 0)
	set, err := keys.ParseSet(jwksOf(t, key))
	if err != nil {
		t.Fatal(err)
	}
	cfg, token, at := correctAssertion(t, key)
	opts := Options{Resolver: mapResolver{}, Now: func() time.Time { return at.Add(time.Minute) }}
	rs := lintResults(t, cfg, opts, token, set)
	for id, r := range rs {
		if r.Status != model.Pass {
			t.Errorf("%s: %s %q", id, r.Status, r.Message)
		}
	}
	if _, fetched := rs[IDJWKSFetch]; fetched {
		t.Error("a JWKS file was given, yet a fetch was planned")
	}
	// The same assertion judged now, long after: expired, said as a warning with the way out.
	opts.Now = time.Now
	wantStatus(t, lintResults(t, cfg, opts, token, set)[IDLintLifetime], model.Warn, "lint it with --at")
}

// TestAssertionLintRefusesAJWKSCIS2Would: a set holding a private key is refused by the one
// rule the live checks use (jwks.public-only fails), so the kid and signature lines skip rather
// than pass on keys CIS2 would never accept.
func TestAssertionLintRefusesAJWKSCIS2Would(t *testing.T) {
	requireOpenSSL(t)
	key := rsaKey(t, 0)
	var doc map[string][]map[string]any
	if err := json.Unmarshal(jwksOf(t, key), &doc); err != nil {
		t.Fatal(err)
	}
	doc["keys"][0]["d"] = base64.RawURLEncoding.EncodeToString(key.D.Bytes()) // published by mistake
	data, _ := json.Marshal(doc)
	set, err := keys.ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	cfg, token, at := correctAssertion(t, key)
	rs := lintResults(t, cfg, Options{Resolver: mapResolver{}, Now: func() time.Time { return at.Add(time.Minute) }}, token, set)
	wantStatus(t, rs[IDJWKSPublic], model.Fail, "")
	wantStatus(t, rs[IDLintKID], model.Skip, msgRefused)
	wantStatus(t, rs[IDLintSignature], model.Skip, msgRefused)
}

func TestExtractAssertion(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOiJ4In0.c2ln-_"
	for in, want := range map[string]string{
		jwt:               jwt,
		"  " + jwt + "\n": jwt,
		"grant_type=authorization_code&client_assertion=" + jwt + "&client_id=1":                                         jwt,
		"2026-12-01 10:00:00 INFO token request assertion=" + jwt + " took 32ms":                                         jwt,
		"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + jwt: jwt,
		// A logger's dotted class or host name before the JWT is not the JWT.
		"INFO  org.acme.auth.TokenClient - posting assertion " + jwt:                     jwt,
		"POST am.nhsidentity.spineservices.nhs.uk assertion " + jwt + " for epr.acme.co": jwt,
		"nothing here": "",
	} {
		if got := ExtractAssertion(in); got != want {
			t.Errorf("ExtractAssertion(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzAssertionLint: whatever is pasted, the lint neither panics nor repeats the assertion.
func FuzzAssertionLint(f *testing.F) {
	f.Add("eyJhbGciOiJSUzUxMiIsImtpZCI6ImsifQ.eyJpc3MiOiJ4IiwiYXVkIjpbMSwieSJdLCJleHAiOiJ0b21vcnJvdyJ9.c2ln")
	f.Add("client_assertion=eyJhbGciOiJub25lIn0.e30.&client_id=1")
	f.Add("eyJhbGciOiJIUzI1NiIsInR5cCI6MX0.eyJpYXQiOjFlMzAwLCJqdGkiOnt9fQ.")
	set, err := keys.ParseSet(jwksOf(f, rsaKey(f, 0)))
	if err != nil {
		f.Fatal(err)
	}
	cfg := pkjwtConfig("https://a.cis2-golive.test/cb", "https://a.cis2-golive.test/logout", "https://a.cis2-golive.test/jwks")
	opts := Options{Resolver: mapResolver{}}
	f.Fuzz(func(t *testing.T, pasted string) {
		token := ExtractAssertion(pasted)
		for _, r := range Run(context.Background(), AssertionLint(cfg, opts, token, set), opts, nil) {
			blob, _ := json.Marshal(r)
			if len(token) > 8 && strings.Contains(string(blob), token) {
				t.Fatalf("%s repeats the assertion", r.ID)
			}
		}
	})
}
