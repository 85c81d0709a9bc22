package checks

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// sandboxLike is a resolver that says it is the sandbox's (SandboxResolver), as package
// sandbox's does, mapping the names it holds.
type sandboxLike struct{ mapResolver }

func (sandboxLike) SandboxLoopbackOnly() {}

// TestAllowedByIsRecorded: a pass that only --allow-private made says so in its evidence,
// with the flag's name, on uri.resolve and uri.tls; a pass that needed no allowance has no
// such evidence; nothing of it comes from the flag alone.
func TestAllowedByIsRecorded(t *testing.T) {
	pki := newPKI(t)
	s := pki.serverTLS(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		tlsConfigFor(pki.leaf(t, time.Now().Add(365*24*time.Hour), testHost), 0, 0))
	u := urlFor(s, "/x")
	cfg := pkjwtConfig(u, u, u)

	opts := pki.testOptions() // --allow-private with a --ca-cert, testHost on 127.0.0.1
	for _, id := range []string{IDResolve, IDTLS} {
		for _, target := range []string{"backchannel_logout_uri", "jwks_uri", "redirect_uris[0]"} {
			r := runOneCheck(t, cfg, opts, id, target)
			if r.Status != model.Pass || r.AllowedBy() != AllowedByFlag || r.Evidence["allowed_by"] != "--allow-private" {
				t.Errorf("%s %s: %s, allowed_by %q, want a pass marked --allow-private (%s)", id, target, r.Status, r.AllowedBy(), r.Message)
			}
			if r.Sandboxed() {
				t.Errorf("%s %s: a --allow-private run is not the sandbox", id, target)
			}
		}
	}

	// Public addresses need no allowance, whatever the flag says.
	public := Options{Resolver: mapResolver{testHost: {netip.MustParseAddr("203.0.113.7")}}, AllowPrivate: true}
	if r := runOneCheck(t, cfg, public, IDResolve, "jwks_uri"); r.Status != model.Pass || r.AllowedBy() != "" {
		t.Errorf("public address: %s, allowed_by %q, want a plain pass", r.Status, r.AllowedBy())
	}
}

// TestSandboxAllowance: only a run through the sandbox's own resolver, to loopback, marks a
// pass as the sandbox's, in this process only: the mark does not survive JSON, and an IP
// literal (which no resolver answers) or a private address that is not loopback never gets it.
func TestSandboxAllowance(t *testing.T) {
	pki := newPKI(t)
	s := pki.serverTLS(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		tlsConfigFor(pki.leaf(t, time.Now().Add(365*24*time.Hour), testHost), 0, 0))
	u := urlFor(s, "/x")
	cfg := pkjwtConfig(u, u, u)
	opts := pki.testOptions()
	opts.Resolver = sandboxLike{mapResolver{testHost: loopback}}

	for _, id := range []string{IDResolve, IDTLS} {
		r := runOneCheck(t, cfg, opts, id, "jwks_uri")
		if r.Status != model.Pass || r.AllowedBy() != AllowedBySandbox || !r.Sandboxed() {
			t.Fatalf("%s: %s, allowed_by %q, sandboxed %v, want the sandbox's pass (%s)", id, r.Status, r.AllowedBy(), r.Sandboxed(), r.Message)
		}
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back Result
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back.AllowedBy() != AllowedBySandbox || back.Sandboxed() {
			t.Errorf("%s through JSON: allowed_by %q, sandboxed %v; a file must never carry the sandbox's exemption", id, back.AllowedBy(), back.Sandboxed())
		}
	}

	// Not loopback: a private address is never the sandbox's, even through its resolver.
	private := Options{Resolver: sandboxLike{mapResolver{testHost: {netip.MustParseAddr("10.1.2.3")}}}, AllowPrivate: true}
	if r := runOneCheck(t, cfg, private, IDResolve, "jwks_uri"); r.AllowedBy() != AllowedByFlag || r.Sandboxed() {
		t.Errorf("10.1.2.3 through the sandbox resolver: allowed_by %q, sandboxed %v, want --allow-private", r.AllowedBy(), r.Sandboxed())
	}
	// An IP literal is not looked up, so the sandbox's resolver cannot vouch for it.
	literal := pkjwtConfig("https://127.0.0.1/cb", "https://127.0.0.1/logout", "https://127.0.0.1/jwks")
	lo := Options{Resolver: sandboxLike{mapResolver{}}, AllowPrivate: true}
	if r := runOneCheck(t, literal, lo, IDResolve, "jwks_uri"); r.AllowedBy() != AllowedByFlag || r.Sandboxed() {
		t.Errorf("IP literal through the sandbox resolver: allowed_by %q, sandboxed %v, want --allow-private", r.AllowedBy(), r.Sandboxed())
	}
}

// TestCalledByCIS2 lists the URIs CIS2 itself calls: the same ones the live checks treat as
// internet-facing.
func TestCalledByCIS2(t *testing.T) {
	cfg := pkjwtConfig("https://a.cis2-golive.test/cb", "https://a.cis2-golive.test/logout", "https://a.cis2-golive.test/jwks")
	for _, e := range endpoints(cfg) {
		if got := CalledByCIS2(e.field); got != e.internetFacing() {
			t.Errorf("CalledByCIS2(%s) = %v, internetFacing %v", e.field, got, e.internetFacing())
		}
	}
}
