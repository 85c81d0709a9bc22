package sandbox

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

func TestResolverMapsOnlySandboxNames(t *testing.T) {
	ctx := context.Background()
	for _, host := range []string{RPHost, CIS2Host, "RP.CIS2-golive.demo."} {
		addrs, err := Resolver{}.LookupNetIP(ctx, "ip", host)
		if err != nil || len(addrs) != 1 || addrs[0] != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("LookupNetIP(%q) = %v, %v; want [127.0.0.1]", host, addrs, err)
		}
	}
	for _, host := range []string{"example.com", "localhost", "cis2-golive.demo", "rp.cis2-golive.demo.evil.example",
		"am.nhsidentity.spineservices.nhs.uk", "127.0.0.1"} {
		addrs, err := Resolver{}.LookupNetIP(ctx, "ip", host)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || addrs != nil {
			t.Errorf("LookupNetIP(%q) = %v, %v; want a not-found DNS error", host, addrs, err)
		}
	}
	if addrs, err := (Resolver{}).LookupNetIP(ctx, "ip6", RPHost); err == nil {
		t.Errorf("ip6 lookup = %v; the sandbox has no IPv6 address", addrs)
	}
}

func TestSandboxListensOnLoopbackOnly(t *testing.T) {
	s := start(t, Options{})
	rp, op := s.Addrs()
	for _, a := range []netip.AddrPort{rp, op} {
		if a.Addr() != netip.MustParseAddr("127.0.0.1") || a.Port() == 0 {
			t.Errorf("listening on %v, want 127.0.0.1:<port>", a)
		}
	}
	// The sandbox client refuses names the resolver does not know, so it cannot leave the machine.
	err := timeoutGet(s, "https://example.com/", time.Minute)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Errorf("GET example.com through the sandbox client: %v, want a DNS error", err)
	}
}

func TestConfigPassesOfflineRules(t *testing.T) {
	s := start(t, Options{RedirectURIs: 3})
	cfg := s.Config()
	if got := model.Validate(&cfg); len(got) != 0 {
		t.Errorf("sandbox config has findings: %v", got)
	}
	if len(cfg.RedirectURIs) != 3 {
		t.Fatalf("redirect URIs = %v, want 3", cfg.RedirectURIs)
	}
	for _, u := range append(cfg.RedirectURIs, cfg.BackchannelLogoutURI, cfg.JWKSURI) {
		if !strings.HasPrefix(u, "https://"+RPHost+":") {
			t.Errorf("%s is not on the relying party host", u)
		}
	}
	for _, u := range cfg.RedirectURIs {
		if code, _, _ := get(t, s, u); code != 200 {
			t.Errorf("GET %s = %d, want 200", u, code)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	s := start(t, Options{})
	files, err := s.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(files.Key)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	data, _ := os.ReadFile(files.Key)
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("key file is not a PKCS#8 PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil || !s.rpKey.Equal(key) {
		t.Errorf("key file does not hold the relying party key (err %v)", err)
	}
	cfg, notes, err := model.Load(files.Config)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Config()
	if len(notes) != 0 || cfg.JWKSURI != want.JWKSURI || cfg.ClientID != ClientID || cfg.BackchannelLogoutURI != want.BackchannelLogoutURI {
		t.Errorf("loaded config %+v (notes %v), want %+v", cfg, notes, want)
	}
}

func TestRPJWKSIsPublicRS512(t *testing.T) {
	s := start(t, Options{})
	code, h, body := get(t, s, s.Config().JWKSURI)
	if code != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("JWKS: %d %q", code, h.Get("Content-Type"))
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS body %s: %v", body, err)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS512" || k["use"] != "sig" || k["kid"] != s.rpKID {
		t.Errorf("JWKS key = %v", k)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Errorf("JWKS key has private member %q", private)
		}
	}
}

func TestDiscoveryDocument(t *testing.T) {
	s := start(t, Options{})
	code, h, body := get(t, s, s.DiscoveryURL())
	if code != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("discovery: %d %q", code, h.Get("Content-Type"))
	}
	var doc struct {
		Issuer        string   `json:"issuer"`
		TokenEndpoint string   `json:"token_endpoint"`
		JWKSURI       string   `json:"jwks_uri"`
		AuthAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
		UserinfoAlgs  []string `json:"userinfo_signing_alg_values_supported"`
		IDTokenAlgs   []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != s.Issuer() || !strings.HasPrefix(s.DiscoveryURL(), doc.Issuer+"/") {
		t.Errorf("issuer %q does not prefix discovery URL %q", doc.Issuer, s.DiscoveryURL())
	}
	if doc.TokenEndpoint != s.TokenEndpoint() || doc.JWKSURI != doc.Issuer+"/connect/jwk_uri" {
		t.Errorf("endpoints: %+v", doc)
	}
	if strings.Join(doc.AuthAlgs, ",") != "RS256,RS512" || len(doc.UserinfoAlgs) == 0 || len(doc.IDTokenAlgs) == 0 {
		t.Errorf("algorithm lists: %+v", doc)
	}
	code, _, body = get(t, s, doc.JWKSURI)
	if _, kid := s.CIS2().TokenKey(); code != 200 || !strings.Contains(string(body), kid) {
		t.Errorf("CIS2 JWKS: %d %s", code, body)
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults([]string{"bcl-accepts-all", "JWKS-private", " slow "})
	if err != nil {
		t.Fatal(err)
	}
	if !f.BCLAcceptsAll || !f.JWKSLeaksPrivate || f.Delay != SlowDelay || f.Hang {
		t.Errorf("ParseFaults = %+v", f)
	}
	if _, err := ParseFaults([]string{"bogus"}); err == nil || !strings.Contains(err.Error(), "jwks-wrong-alg") {
		t.Errorf("unknown fault error = %v, want the list of names", err)
	}
	for _, nf := range FaultNames() {
		if _, err := ParseFaults([]string{nf[0]}); err != nil || nf[1] == "" {
			t.Errorf("fault %q: %v", nf[0], err)
		}
	}
}

func TestStartDemoWritesIntoTempDir(t *testing.T) {
	s, files, err := StartDemo("", Faults{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer os.RemoveAll(files.Dir)
	if files.Dir == "" || !strings.HasPrefix(files.Config, files.Dir) || !strings.HasPrefix(files.Key, files.Dir) {
		t.Errorf("files = %+v", files)
	}
	info, err := os.Stat(files.Dir)
	if err != nil || info.Mode().Perm()&0o077 != 0 {
		t.Errorf("demo dir %s: %v, mode %v; want owner-only", files.Dir, err, info.Mode())
	}
}
