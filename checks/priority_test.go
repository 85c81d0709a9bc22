package checks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestSharedFetchesCIS2DependsOnAreCritical: the JWKS and the discovery document are fetched
// once per run, by whichever check asks first, and clock.skew and the login probe, which are
// ordinary checks, ask too. However it starts, the fetch is a critical one: with every
// connection an ordinary check may open to the host already held (redirect URIs on the same
// host that hang), it still gets one of the connections kept for critical checks.
func TestSharedFetchesCIS2DependsOnAreCritical(t *testing.T) {
	pki := newPKI(t)
	key := rsaKey(t, 0)
	rp := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(jwksOf(t, key))
	}), testHost)
	cis2 := fakeCIS2(t, pki, &key.PublicKey, []string{"RS512"})
	for _, tc := range []struct {
		name  string
		fetch func(r *run, ctx context.Context) error
	}{
		{"jwks", func(r *run, ctx context.Context) error {
			if res := r.jwks(ctx).res; res.Status != model.Pass {
				return fmt.Errorf("jwks.fetch: %s %q", res.Status, res.Message)
			}
			return nil
		}},
		{"discovery", func(r *run, ctx context.Context) error { return r.discovery(ctx).err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := pki.testOptions()
			opts.Timeout = time.Second
			opts.Discovery = cis2
			opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback}
			r := newRun(pkjwtConfig(urlFor(rp, "/cb"), urlFor(rp, "/logout"), urlFor(rp, "/jwks")), opts)

			ordinary, cancel := context.WithCancel(withScope(context.Background(), Ordinary))
			defer cancel()
			for _, raw := range []string{urlFor(rp, "/jwks"), cis2} {
				u, _ := url.Parse(raw)
				addr := net.JoinHostPort(u.Hostname(), u.Port())
				for range maxConnsPerHost - maxConnsPerHost/8 {
					if err := r.dialer.conns.acquire(ordinary, addr, time.Second); err != nil {
						t.Fatalf("filling the ordinary slots of %s: %v", addr, err)
					}
				}
			}
			if err := tc.fetch(r, withScope(context.Background(), Ordinary)); err != nil {
				t.Errorf("asked by an ordinary check while ordinary connections are all taken: %v", err)
			}
		})
	}
}
