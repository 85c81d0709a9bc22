package sandbox

import (
	"net/http"

	"github.com/cis2-golive/cis2-golive/sim"
)

// recordPath is the relying party's protected page: the sim's browser checks sessions there.
const recordPath = "/record"

// startCIS2 makes fake CIS2: the sim's CIS2-shaped provider, registered with the sandbox
// relying party's configuration and reaching it through the sandbox's resolver and CA, so the
// sandbox and `cis2-golive sim` are one provider.
func (s *Sandbox) startCIS2() (*sim.Provider, error) {
	cfg := s.Config()
	return sim.New(sim.Options{
		Origin:       s.cis2.base,
		Client:       &cfg,
		HTTPClient:   s.client,
		ProtectedURL: s.rp.base + recordPath,
		Wrap: func(e sim.Endpoint, h http.Handler) http.Handler {
			return s.wrap(cis2Endpoint(e), h)
		},
	})
}

// cis2Endpoint names a provider endpoint as Options.Wrap sees it.
func cis2Endpoint(e sim.Endpoint) Endpoint {
	switch e {
	case sim.Discovery:
		return CIS2Discovery
	case sim.JWKS:
		return CIS2JWKS
	case sim.Token:
		return CIS2Token
	}
	return Endpoint("cis2." + string(e))
}

// CIS2 is fake CIS2, for tests and the demo: its sessions, faults, logouts and events.
func (s *Sandbox) CIS2() *sim.Provider { return s.op }
