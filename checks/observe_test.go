package checks

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"
)

// Observed hands the caller the JWKS and discovery document the checks judged, and Release
// leaves no connection (so no goroutine) behind.
func TestObservedRecordsWhatTheRunFetched(t *testing.T) {
	p := newPKI(t)
	var base string
	s := p.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/jwks":
			fmt.Fprint(w, `{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`)
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer": %q, "token_endpoint": %q, "acr_values_supported": ["AAL3_ANY", "AAL2_ANY"], "response_modes_supported": ["query", "fragment"],
				"token_endpoint_auth_signing_alg_values_supported": ["RS512"], "token_endpoint_auth_methods_supported": ["private_key_jwt"]}`, base, base+"/access_token")
		}
	}), testHost)
	base = urlFor(s, "")
	cfg := pkjwtConfig(urlFor(s, "/cb"), urlFor(s, "/logout"), urlFor(s, "/jwks"))

	runtime.GC()
	before := runtime.NumGoroutine()
	seen := &Observed{}
	opts := p.testOptions()
	opts.Discovery, opts.Observe = base+"/.well-known/openid-configuration", seen
	Run(context.Background(), Plan(cfg, opts), opts, nil)
	seen.Release()

	if set := seen.JWKS(); set == nil || len(set.Keys) != 1 || set.Keys[0].KID != "k1" {
		t.Errorf("JWKS() = %+v, want the one key served", set)
	}
	d := seen.Discovery()
	if d == nil || d.Issuer != base || d.TokenEndpoint != base+"/access_token" ||
		!slices.Equal(d.ACRValues, []string{"AAL3_ANY", "AAL2_ANY"}) || !slices.Equal(d.ResponseModes, []string{"query", "fragment"}) {
		t.Errorf("Discovery() = %+v", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("goroutines %d before the run, %d after Release: idle connections kept", before, after)
	}

	// Without Observe nothing is recorded, and nothing breaks.
	opts.Observe = nil
	if rs := Run(context.Background(), Plan(cfg, opts), opts, nil); len(rs) == 0 {
		t.Fatal("no results")
	}
	var none *Observed
	none.recordJWKS(nil)
	none.track(nil)
}
