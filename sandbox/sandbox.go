// Package sandbox runs a fake CIS2 and a fake relying party as in-process TLS servers on
// 127.0.0.1, with their own freshly generated CA and fake host names, so the live checks can be
// exercised end to end (by tests and by `cis2-golive demo`) without touching any real host.
// Each server can be switched into the faulty behaviours the checks exist to catch.
package sandbox

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sim"
)

// ClientID is the client id CIS2 "issued" to the sandbox relying party.
const ClientID = "123456789012.apps.supplier"

// SigningAlg is the token endpoint signing algorithm the sandbox relying party declares.
const SigningAlg = "RS512"

// Endpoint names one sandbox endpoint, for Options.Wrap.
type Endpoint string

// The sandbox endpoints. The first four belong to the relying party, the rest to fake CIS2
// (whose other endpoints are "cis2." and the sim endpoint's name).
const (
	Redirect      Endpoint = "redirect"
	Logout        Endpoint = "logout"
	JWKS          Endpoint = "jwks"
	Login         Endpoint = "login"
	CIS2Discovery Endpoint = "cis2.discovery"
	CIS2JWKS      Endpoint = "cis2.jwks"
	CIS2Token     Endpoint = "cis2.token"
)

// Options configure a sandbox.
type Options struct {
	// Faults switch the relying party into faulty behaviours; the zero value behaves well.
	Faults Faults
	// RedirectURIs is how many redirect URIs the relying party serves (default 1). Benchmarks
	// raise it to get many endpoints behind one configuration.
	RedirectURIs int
	// Wrap, when set, wraps (or replaces) an endpoint's handler: hostile-server tests use it to
	// serve any response they like behind the sandbox's names, CA and resolver.
	Wrap func(Endpoint, http.Handler) http.Handler
}

// Sandbox is a running fake CIS2 and relying party. Close it when done.
type Sandbox struct {
	opts Options
	ca   *authority
	rp   *server
	cis2 *server
	op   *sim.Provider // fake CIS2

	rpKey   *rsa.PrivateKey   // signs the relying party's client assertions
	rpKID   string            // RFC 7638 thumbprint of rpKey, as real relying parties use
	ecKey   *ecdsa.PrivateKey // the only key published under the jwks-wrong-alg fault
	client  *http.Client
	done    chan struct{}
	closing sync.Once

	rpState // the relying party's sign-ins and sessions
}

type server struct {
	srv  *http.Server
	ln   net.Listener
	addr netip.AddrPort // where it listens: always 127.0.0.1
	base string         // https://host:port, the origin every URL of this server starts with
}

// Start generates the CA, certificates and keys and starts both servers on 127.0.0.1.
func Start(opts Options) (*Sandbox, error) {
	if opts.RedirectURIs <= 0 {
		opts.RedirectURIs = 1
	}
	s := &Sandbox{opts: opts, done: make(chan struct{}), rpState: newRPState()}
	if err := s.generateKeys(); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	ca, err := newAuthority()
	if err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	s.ca = ca
	s.client = &http.Client{
		Transport: &http.Transport{
			DialContext:         Resolver{}.dialContext,
			TLSClientConfig:     &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: 5 * time.Second,
			ForceAttemptHTTP2:   true,
		},
		Timeout: 10 * time.Second,
	}

	rpCertHost := RPHost
	if opts.Faults.WrongHost {
		rpCertHost = "other.cis2-golive.demo"
	}
	rpCert, err := ca.leaf(rpCertHost, opts.Faults.ExpiredCert)
	if opts.Faults.SelfSigned {
		rpCert, err = selfSigned(rpCertHost)
	}
	if err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	opCert, err := ca.leaf(CIS2Host, false)
	if err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	// Both listeners first: fake CIS2's registration names the relying party's URLs, and the
	// relying party needs fake CIS2's issuer, port included.
	if s.cis2, err = listen(CIS2Host); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if s.rp, err = listen(RPHost); err != nil {
		s.cis2.ln.Close()
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	if s.op, err = s.startCIS2(); err != nil {
		s.cis2.ln.Close()
		s.rp.ln.Close()
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	s.cis2.serve(&tls.Config{Certificates: []tls.Certificate{opCert}, MinVersion: tls.VersionTLS12}, s.op)
	rpTLS := &tls.Config{Certificates: []tls.Certificate{rpCert}, MinVersion: tls.VersionTLS12}
	if opts.Faults.OldTLS {
		rpTLS.MinVersion, rpTLS.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
	}
	s.rp.serve(rpTLS, s.misbehave(s.rpRoutes()))
	return s, nil
}

// listen opens a random 127.0.0.1 port: never any other address, so nothing outside this
// machine can reach the sandbox.
func listen(host string) (*server, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for %s: %w", host, err)
	}
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	return &server{ln: ln, addr: addr, base: "https://" + net.JoinHostPort(host, strconv.Itoa(int(addr.Port())))}, nil
}

// serve starts answering HTTPS on the server's listener.
func (sv *server) serve(tlsConfig *tls.Config, h http.Handler) {
	sv.srv = &http.Server{
		Handler:           h,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		// Checks deliberately fail handshakes (bad certificates); that is not worth a log line.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go sv.srv.ServeTLS(sv.ln, "", "")
}

// Close stops both servers and releases every request still held by a fault.
func (s *Sandbox) Close() {
	s.closing.Do(func() {
		close(s.done)
		for _, sv := range []*server{s.rp, s.cis2} {
			if sv != nil && sv.srv != nil {
				sv.srv.Close()
			}
		}
		if s.op != nil {
			s.op.Close()
		}
		s.client.CloseIdleConnections()
	})
}

// wrap applies Options.Wrap to an endpoint's handler.
func (s *Sandbox) wrap(e Endpoint, h http.Handler) http.Handler {
	if s.opts.Wrap != nil {
		return s.opts.Wrap(e, h)
	}
	return h
}

// Resolver resolves the sandbox's host names to 127.0.0.1 and refuses all others.
func (s *Sandbox) Resolver() Resolver { return Resolver{} }

// RootCAs is a pool holding only the sandbox CA.
func (s *Sandbox) RootCAs() *x509.CertPool { return s.ca.pool }

// CAPEM is the sandbox CA certificate in PEM, for --ca-cert style options.
func (s *Sandbox) CAPEM() []byte { return append([]byte(nil), s.ca.pem...) }

// HTTPClient reaches the sandbox's servers (and nothing else) through its resolver and CA.
func (s *Sandbox) HTTPClient() *http.Client { return s.client }

// Issuer is fake CIS2's issuer: its base URL exactly, as its discovery document writes it.
func (s *Sandbox) Issuer() string { return s.cis2.base + sim.Realm }

// DiscoveryURL is fake CIS2's discovery document URL.
func (s *Sandbox) DiscoveryURL() string { return s.Issuer() + "/.well-known/openid-configuration" }

// TokenEndpoint is fake CIS2's token endpoint, the audience client assertions must name.
func (s *Sandbox) TokenEndpoint() string { return s.Issuer() + "/access_token" }

// Addrs are the loopback addresses the relying party and fake CIS2 listen on.
func (s *Sandbox) Addrs() (rp, cis2 netip.AddrPort) {
	return s.rp.addr, s.cis2.addr
}

// Config is a production configuration for the sandbox relying party: it passes the offline
// rules, and every live check passes against a sandbox without faults.
func (s *Sandbox) Config() model.Config {
	redirects := make([]string, s.opts.RedirectURIs)
	for i := range redirects {
		redirects[i] = s.rp.base + redirectPath(i)
	}
	return model.Config{
		Environment:                 model.Production,
		Organisation:                "cis2-golive demo organisation",
		Product:                     "Sandbox EPR",
		ContactEmail:                "golive@cis2-golive.demo",
		ClientID:                    ClientID,
		RedirectURIs:                redirects,
		BackchannelLogoutURI:        s.rp.base + logoutPath,
		TokenEndpointAuthMethod:     model.PrivateKeyJWT,
		JWKSURI:                     s.rp.base + jwksPath,
		TokenEndpointAuthSigningAlg: SigningAlg,
		UserinfoSignedResponseAlg:   "RS256",
		LoginURL:                    s.rp.base + loginPath,
	}
}
