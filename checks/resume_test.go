package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestTLSCheckNeverRidesOnAResumedSession: the run's HTTP client resumes TLS sessions, so a
// host's later connections skip the certificate; a resumed session does not show it again.
// uri.tls must judge a full handshake whatever the client did first, or it would vouch for a
// certificate it never saw.
func TestTLSCheckNeverRidesOnAResumedSession(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			pki := newPKI(t)
			var full, resumed atomic.Int32
			s := pki.serverTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close") // each request a connection of its own
			}), &tls.Config{
				Certificates: []tls.Certificate{pki.leaf(t, time.Now().Add(365*24*time.Hour), testHost)},
				MaxVersion:   version,
				VerifyConnection: func(cs tls.ConnectionState) error {
					if cs.DidResume {
						resumed.Add(1)
					} else {
						full.Add(1)
					}
					return nil
				},
			})
			cfg := pkjwtConfig(urlFor(s, "/cb/0"), "", "")
			cfg.RedirectURIs = append(cfg.RedirectURIs, urlFor(s, "/cb/1"))
			cfg.TokenEndpointAuthMethod, cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg = model.ClientSecretBasic, "", ""
			opts := pki.testOptions()
			list := Plan(cfg, opts)
			run := func(id, target string) Result {
				for _, c := range list {
					if c.ID == id && c.Target == target {
						return Run(context.Background(), []Check{c}, opts, nil)[0]
					}
				}
				t.Fatalf("no check %s %s", id, target)
				return Result{}
			}
			for i := range 2 {
				if r := run(IDReachable, fmt.Sprintf("redirect_uris[%d]", i)); r.Status != model.Pass {
					t.Fatalf("%s: %s %q", r.Target, r.Status, r.Message)
				}
			}
			if resumed.Load() == 0 {
				t.Fatalf("the HTTP client resumed no session (full %d): this test would prove nothing", full.Load())
			}
			before := full.Load()
			r := run(IDTLS, "redirect_uris[1]")
			if r.Status != model.Pass || r.Evidence["not_after"] == "" {
				t.Errorf("uri.tls: %s %q %v", r.Status, r.Message, r.Evidence)
			}
			// The server counts a TLS 1.3 handshake after its own Finished, which can be after
			// the client has its answer and the check returned: wait for the count to settle.
			for deadline := time.Now().Add(5 * time.Second); full.Load() < before+1 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			if full.Load() != before+1 {
				t.Errorf("uri.tls made %d full handshakes; want 1 (resumed so far: %d)", full.Load()-before, resumed.Load())
			}
		})
	}
}
