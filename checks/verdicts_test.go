package checks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// These tests hold the live checks to the verdicts real verifiers reach on the same keys (see
// also scripts/reference, which runs jose and oidc-provider): no check passes on a JWKS a
// verifier refuses, no failure gives a reason other than the real one, and sign-verify and
// token.probe never disagree without saying why.

// opensslFile copies a file openssl made (keys/testdata/openssl) into the test's directory;
// a private key gets the 0600 mode git does not keep.
func opensslFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "keys", "testdata", "openssl", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAll runs the whole plan and returns the results by id (the last one of each id).
func runAll(t *testing.T, cfg *model.Config, opts Options) map[string]Result {
	t.Helper()
	got := map[string]Result{}
	for _, r := range Run(t.Context(), Plan(cfg, opts), opts, nil) {
		got[r.ID] = r
	}
	return got
}

// publicJWKMap is the public JWK of k as a map, for tests to edit.
func publicJWKMap(t *testing.T, k any, kid, alg string) map[string]any {
	t.Helper()
	data, err := jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: alg, Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func setBytes(t *testing.T, ks ...map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": ks})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// With private members or a 1024-bit key in the JWKS, a verifier refuses the set: the checks
// that would use its keys skip with that reason rather than pass.
func TestPublicOnlyFailureSkipsTheChecksThatUseTheKeys(t *testing.T) {
	pki := newPKI(t)
	withD := publicJWKMap(t, &rsaKey(t, 0).PublicKey, "leaky", "RS512")
	withD["d"] = "c2VjcmV0"
	for name, tc := range map[string]struct {
		set     []byte
		keyPath func() string
	}{
		"private member": {setBytes(t, withD), func() string { return writeKey(t, rsaKey(t, 0), 0o600) }},
		"1024-bit key (openssl)": {mustReadFile(t, opensslFile(t, "rsa1024.jwks.json")), func() string {
			return writeKey(t, rsaKey(t, 0), 0o600) // not the published key: the gate comes first
		}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := jwksConfig(t, pki, serveJSON(tc.set, "application/json"))
			cfg.TokenEndpointAuthSigningAlg = "RS256"
			opts := pki.testOptions()
			opts.KeyPath = tc.keyPath()
			opts.ProbeTokenEndpoint = true
			opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
			opts.Discovery = fakeCIS2(t, pki, &rsaKey(t, 0).PublicKey, []string{"RS256"})
			got := runAll(t, cfg, opts)
			wantStatus(t, got[IDJWKSPublic], model.Fail, "")
			for _, id := range []string{IDJWKSAlgMatch, IDAssertion, IDTokenProbe} {
				wantStatus(t, got[id], model.Skip, "the JWKS would be refused: see jwks.public-only")
			}
		})
	}
}

// Keys openssl made: an 8192-bit key verifies (RFC 7518 sets no maximum) with only a size
// warning; an x5c of another key fails naming that rule, never "not in the JWKS".
func TestOpenSSLKeysThroughTheLiveChecks(t *testing.T) {
	pki := newPKI(t)
	for _, tc := range []struct {
		name, jwks, key string
		want            map[string]model.Severity
		msg             map[string]string
	}{
		{"8192-bit key", "rsa8192.jwks.json", "rsa8192.pem",
			map[string]model.Severity{IDJWKSPublic: model.Pass, IDJWKSLint: model.Warn, IDJWKSAlgMatch: model.Pass, IDAssertion: model.Pass},
			map[string]string{IDJWKSLint: "RSA 8192 bits: valid", IDAssertion: "verified it against the fetched JWKS"}},
		{"8192-bit key with its x5c", "rsa8192-x5c.jwks.json", "rsa8192.pem",
			map[string]model.Severity{IDJWKSLint: model.Warn, IDJWKSAlgMatch: model.Pass, IDAssertion: model.Pass}, nil},
		{"x5c of another key", "x5c-mismatch.jwks.json", "x5c-key.pem",
			map[string]model.Severity{IDJWKSPublic: model.Pass, IDJWKSLint: model.Fail, IDJWKSAlgMatch: model.Fail, IDAssertion: model.Fail},
			map[string]string{IDJWKSLint: "x5c certificate does not match n/e (RFC 7517 §4.7", IDJWKSAlgMatch: "x5c certificate does not match n/e",
				IDAssertion: "the published key signing cannot verify RS256: its x5c certificate does not match n/e (RFC 7517 §4.7)"}},
		{"x5c of the key", "x5c-match.jwks.json", "x5c-key.pem",
			map[string]model.Severity{IDJWKSLint: model.Pass, IDJWKSAlgMatch: model.Pass, IDAssertion: model.Pass}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := jwksConfig(t, pki, serveJSON(mustReadFile(t, opensslFile(t, tc.jwks)), "application/json"))
			cfg.TokenEndpointAuthSigningAlg = "RS256"
			opts := pki.testOptions()
			opts.KeyPath = opensslFile(t, tc.key)
			got := runAll(t, cfg, opts)
			for id, want := range tc.want {
				wantStatus(t, got[id], want, tc.msg[id])
				if strings.Contains(got[id].Message, "not in the JWKS") {
					t.Errorf("%s: misleading reason %q", id, got[id].Message)
				}
			}
		})
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// RFC 7517 §4.5 and OIDC Core §10.1: a one-key set needs no kid, and keys of different types
// may share one; the assertion is verified as a verifier would select the key.
func TestAssertionKIDRules(t *testing.T) {
	pki := newPKI(t)
	rsaPub := &rsaKey(t, 0).PublicKey
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	noKID := publicJWKMap(t, rsaPub, "", "RS512")
	sameKID := []map[string]any{publicJWKMap(t, &ec.PublicKey, "k", "ES256"), publicJWKMap(t, rsaPub, "k", "RS512")}
	twoRSA := []map[string]any{publicJWKMap(t, &rsaKey(t, 1).PublicKey, "k", "RS512"), publicJWKMap(t, rsaPub, "k", "RS512")}
	for _, tc := range []struct {
		name     string
		set      []byte
		lint     model.Severity
		sign     model.Severity
		signPart string
	}{
		{"one key without kid", setBytes(t, noKID), model.Warn, model.Warn, "CIS2's key-management guidance expects the assertion's kid to name a key in your JWKS"},
		{"two keys, ours without kid", setBytes(t, noKID, publicJWKMap(t, &rsaKey(t, 1).PublicKey, "other", "RS512")), model.Warn, model.Fail, "must name its key by kid (OIDC Core §10.1)"},
		{"kid shared by an EC and an RSA key", setBytes(t, sameKID...), model.Warn, model.Pass, "verified it against the fetched JWKS"},
		{"kid shared by two RSA keys", setBytes(t, twoRSA...), model.Fail, model.Fail, `2 keys with kid "k" can verify RS512`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := jwksConfig(t, pki, serveJSON(tc.set, "application/json"))
			opts := pki.testOptions()
			opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
			got := runAll(t, cfg, opts)
			wantStatus(t, got[IDJWKSLint], tc.lint, "")
			wantStatus(t, got[IDAssertion], tc.sign, tc.signPart)
			// A warning names its rule, so a reader need not parse the message.
			if tc.sign == model.Warn && !slices.Equal(got[IDAssertion].Warned(), []string{keys.RuleKIDMissing}) {
				t.Errorf("assertion rules: %+v", got[IDAssertion].Rules)
			}
		})
	}
}

// When CIS2's answer and the local verification of the same assertion disagree, the probe
// says so and why.
func TestProbeAndSignVerifyNeverDisagreeSilently(t *testing.T) {
	pki := newPKI(t)
	opts := pki.testOptions()
	opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
	opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
	opts.ProbeTokenEndpoint = true

	// Verified here, rejected by CIS2 (it holds another key for the client).
	cfg := jwksConfig(t, pki, serveJSON(jwksOf(t, rsaKey(t, 0)), "application/json"))
	opts.Discovery = fakeCIS2(t, pki, &rsaKey(t, 1).PublicKey, []string{"RS512"})
	got := runAll(t, cfg, opts)
	wantStatus(t, got[IDAssertion], model.Pass, "")
	wantStatus(t, got[IDTokenProbe], model.Fail, "yet this same assertion verified against the JWKS fetched here (assertion.sign-verify)")
	if got[IDTokenProbe].Evidence["disagrees_with"] != IDAssertion {
		t.Errorf("evidence: %v", got[IDTokenProbe].Evidence)
	}

	// Not verifiable here (two RSA keys share the kid), accepted by CIS2.
	twoRSA := setBytes(t, publicJWKMap(t, &rsaKey(t, 1).PublicKey, "k", "RS512"), publicJWKMap(t, &rsaKey(t, 0).PublicKey, "k", "RS512"))
	cfg = jwksConfig(t, pki, serveJSON(twoRSA, "application/json"))
	opts.Discovery = fakeCIS2(t, pki, &rsaKey(t, 0).PublicKey, []string{"RS512"})
	got = runAll(t, cfg, opts)
	wantStatus(t, got[IDAssertion], model.Fail, "2 keys with kid")
	wantStatus(t, got[IDTokenProbe], model.Warn, "but this same assertion does not verify against the JWKS fetched here")
	wantStatus(t, got[IDTokenProbe], model.Warn, `2 keys with kid "k" can verify RS512`)

	// Agreement needs no note.
	cfg = jwksConfig(t, pki, serveJSON(jwksOf(t, rsaKey(t, 0)), "application/json"))
	got = runAll(t, cfg, opts)
	wantStatus(t, got[IDAssertion], model.Pass, "")
	wantStatus(t, got[IDTokenProbe], model.Pass, "")
	if _, noted := got[IDTokenProbe].Evidence["disagrees_with"]; noted {
		t.Errorf("agreement noted as disagreement: %+v", got[IDTokenProbe])
	}
}

// recordingResolver resolves like mapResolver and records every host name asked for: every
// connection the checks' client makes starts with a lookup here.
type recordingResolver struct {
	mapResolver
	mu    sync.Mutex
	hosts []string
}

func (r *recordingResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, strings.ToLower(host))
	r.mu.Unlock()
	return r.mapResolver.LookupNetIP(ctx, network, host)
}

// With --discovery unreachable, the run contacts the relying party's own hosts and the
// discovery host, and nothing else: no fallback to the embedded production CIS2 token
// endpoint (or any other), even with --probe-token-endpoint and a key that signs.
func TestUnreachableDiscoveryContactsNoOtherHost(t *testing.T) {
	pki := newPKI(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close() // nothing listens there now: connection refused
	for name, discoveryURL := range map[string]string{
		"no such host":       "https://cis2.cis2-golive.test/.well-known/openid-configuration",
		"connection refused": "https://closed.cis2-golive.test:" + strconv.Itoa(closedPort) + "/.well-known/openid-configuration",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := jwksConfig(t, pki, serveJSON(jwksOf(t, rsaKey(t, 0)), "application/json"))
			cfg.BackchannelLogoutURI = strings.Replace(cfg.JWKSURI, "/jwks", "/logout", 1)
			res := &recordingResolver{mapResolver: mapResolver{testHost: loopback, "closed.cis2-golive.test": loopback}}
			opts := pki.testOptions()
			opts.Resolver = res
			opts.Discovery = discoveryURL
			opts.ProbeTokenEndpoint = true
			opts.KeyPath = writeKey(t, rsaKey(t, 0), 0o600)
			got := runAll(t, cfg, opts)

			allowed := []string{testHost, hostOf(t, discoveryURL)}
			for _, h := range res.hosts {
				if !slices.Contains(allowed, h) {
					t.Errorf("contacted %s; only %v may be", h, allowed)
				}
			}
			if !slices.Contains(res.hosts, hostOf(t, discoveryURL)) {
				t.Errorf("the discovery host was never tried: %v", res.hosts)
			}
			wantStatus(t, got[IDCIS2Algs], model.Fail, "could not read --discovery "+discoveryURL)
			wantStatus(t, got[IDAssertion], model.Skip, "no discovery document: could not read --discovery")
			wantStatus(t, got[IDTokenProbe], model.Skip, "not sent: no discovery document")
			for id, r := range got {
				if strings.Contains(r.Message, model.CIS2.Environments[model.Production].Host) {
					t.Errorf("%s mentions production CIS2: %q", id, r.Message)
				}
			}
		})
	}
}

func hostOf(t *testing.T, u string) string {
	t.Helper()
	h, _, _ := strings.Cut(strings.TrimPrefix(u, "https://"), "/")
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}

// Without --discovery, the probe goes to the embedded token endpoint of the configuration's
// own environment: an integration configuration never reaches production CIS2.
func TestProbeUsesTheSnapshotOfTheConfigsOwnEnvironment(t *testing.T) {
	for _, env := range []model.Environment{model.Integration, model.Production} {
		cfg := pkjwtConfig("https://app.cis2-golive.test/cb", "", "")
		cfg.Environment = env
		r := &run{cfg: cfg, opts: Options{}.withDefaults()}
		d := r.discovery(t.Context())
		if d.err != nil || d.doc.TokenEndpoint != model.CIS2.Environments[env].TokenEndpoint {
			t.Errorf("%s: token endpoint %q (%v), want %s's", env, d.doc.TokenEndpoint, d.err, env)
		}
	}
	cfg := pkjwtConfig("https://app.cis2-golive.test/cb", "", "")
	cfg.Environment = "staging"
	r := &run{cfg: cfg, opts: Options{ProbeTokenEndpoint: true}.withDefaults()}
	if d := r.discovery(t.Context()); d.err == nil || d.doc.TokenEndpoint != "" {
		t.Errorf("unknown environment fell back to %q", d.doc.TokenEndpoint)
	}
	if p := r.tokenProbe(t.Context()); p.Status != model.Skip || !strings.Contains(p.Message, "not sent: no discovery document") {
		t.Errorf("token.probe = %+v", p)
	}
}
