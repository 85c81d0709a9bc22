package checks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestAURIThatDropsTheConnectionFailsAlone: HTTP/2 carries every request to a host over one
// connection, so when the server drops it over one redirect URI (a handler that crashes behind
// a proxy), every other request in flight on it fails with it. Each of those URIs answers
// when asked on its own, as a user's browser would ask it: only the URI that broke the
// connection may fail, and the checks of what CIS2 calls on the same host pass.
func TestAURIThatDropsTheConnectionFailsAlone(t *testing.T) {
	const n = 30
	for _, http2 := range []bool{true, false} {
		t.Run(fmt.Sprintf("http2=%v", http2), func(t *testing.T) {
			pki := newPKI(t)
			key := rsaKey(t, 0)
			jwks := jwksOf(t, key)
			rp := rpServer(t, pki, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/logout":
					w.Header().Set("Cache-Control", "no-store")
					w.WriteHeader(http.StatusBadRequest)
				case "/jwks":
					w.Header().Set("Content-Type", "application/jwk-set+json")
					w.Write(jwks)
				case "/cb/drop":
					// After the other redirect URIs' requests are on the connection.
					time.Sleep(100 * time.Millisecond)
					r.Context().Value(serverConnKey{}).(net.Conn).Close()
				default:
					time.Sleep(300 * time.Millisecond)
				}
			}), http2, func(ctx context.Context, c net.Conn) context.Context {
				return context.WithValue(ctx, serverConnKey{}, c)
			})
			cfg := pkjwtConfig(urlFor(rp, "/cb/drop"), urlFor(rp, "/logout"), urlFor(rp, "/jwks"))
			for i := range n {
				cfg.RedirectURIs = append(cfg.RedirectURIs, urlFor(rp, fmt.Sprintf("/cb/%d", i)))
			}
			opts := pki.testOptions()
			opts.Timeout = 5 * time.Second
			for _, r := range Run(context.Background(), Plan(cfg, opts), opts, nil) {
				dropper := r.Target == "redirect_uris[0]" && r.ID == IDReachable
				switch {
				case dropper && r.Status != model.Fail:
					t.Errorf("%s %s: %s %q, want the failure of the URI that dropped the connection", r.ID, r.Target, r.Status, r.Message)
				case !dropper && r.Status == model.Fail:
					t.Errorf("%s %s failed for another URI's fault: %q", r.ID, r.Target, r.Message)
				case strings.HasPrefix(r.ID, "jwks.") && r.Status != model.Pass:
					t.Errorf("%s %s: %s %q, want pass", r.ID, r.Target, r.Status, r.Message)
				}
			}
		})
	}
}

type serverConnKey struct{}
