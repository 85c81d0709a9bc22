package checks

import (
	"slices"
	"sync"

	"github.com/cis2-golive/cis2-golive/keys"
)

// Observed records what one run fetched, for a caller that compares one run with the next
// (`watch`): the JWK Set and the live discovery document, exactly as the run's checks judged
// them, so the comparison never sees a second fetch that may differ. Give each Run its own
// (Options.Observe) and read it once Run has returned. A nil *Observed records nothing.
type Observed struct {
	mu        sync.Mutex
	jwks      *keys.Set
	discovery *Discovery
	dialers   []*dialer
}

// Discovery is the part of a live CIS2 discovery document a relying party depends on: where
// tokens come from and what it may ask for. Every string is cleaned, except the two URLs,
// which are validated instead (see parseDiscovery).
type Discovery struct {
	Issuer        string   `json:"issuer"`
	TokenEndpoint string   `json:"token_endpoint"`
	AuthMethods   []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenAuthAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	IDTokenAlgs   []string `json:"id_token_signing_alg_values_supported,omitempty"`
	UserinfoAlgs  []string `json:"userinfo_signing_alg_values_supported,omitempty"`
	ACRValues     []string `json:"acr_values_supported,omitempty"`
	ResponseModes []string `json:"response_modes_supported,omitempty"`
}

// JWKS is the JWK Set the run fetched and parsed, or nil when jwks.fetch did not get one.
func (o *Observed) JWKS() *keys.Set {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.jwks
}

// Discovery is the live discovery document the run read (Options.Discovery), or nil when none
// was asked for or it could not be read.
func (o *Observed) Discovery() *Discovery {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.discovery
}

func (o *Observed) recordJWKS(s *keys.Set) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.jwks = s
}

func (o *Observed) recordDiscovery(d discoveryDoc) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.discovery = &Discovery{
		Issuer: d.Issuer, TokenEndpoint: d.TokenEndpoint,
		AuthMethods: slices.Clone(d.AuthMethods), TokenAuthAlgs: slices.Clone(d.TokenAuthAlgs),
		IDTokenAlgs: slices.Clone(d.IDTokenAlgs), UserinfoAlgs: slices.Clone(d.UserinfoAlgs),
		ACRValues: slices.Clone(d.ACRValues), ResponseModes: slices.Clone(d.ResponseModes),
	}
}

// Release closes every connection the run still holds (kept alive for reuse, or left by a
// check cut short). Call it once the run's checks are done: a caller that runs again and again
// (`watch --every`) then holds no connection, and no goroutine, between runs.
func (o *Observed) Release() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, d := range o.dialers {
		d.open.closeAll()
	}
	o.dialers = nil
}

func (o *Observed) track(d *dialer) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dialers = append(o.dialers, d)
}

// openConns is the set of a dialer's connections that are still open.
type openConns struct {
	mu sync.Mutex
	m  map[*limitedConn]struct{}
}

func (s *openConns) add(c *limitedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[*limitedConn]struct{}{}
	}
	s.m[c] = struct{}{}
}

func (s *openConns) remove(c *limitedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, c)
}

// closeAll closes every open connection. Each Close removes itself from the set, so the set
// is copied first.
func (s *openConns) closeAll() {
	s.mu.Lock()
	conns := make([]*limitedConn, 0, len(s.m))
	for c := range s.m {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}
