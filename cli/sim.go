package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sandbox"
	"github.com/cis2-golive/cis2-golive/sim"
	"github.com/cis2-golive/cis2-golive/ui"
)

// SimOptions are the flags of `sim`.
type SimOptions struct {
	IO              *IOStreams
	ConfigPath      string
	Listen          string
	Host            string
	CAOut           string
	CertFile        string
	KeyFile         string
	AppCA           string
	ClientSecretEnv string
	AutoLogin       string
	Faults          []string
	ProtectedURL    string
}

// simMinimalConfig is the smallest registration the sim accepts, for the help; a test
// registers it, so the help never shows a file the sim refuses.
const (
	simMinimalConfigIntro = "A minimal file for an application under development\n" +
		"(plain http://localhost URLs are fine here; any <digits>.apps.supplier client_id):"
	simMinimalConfig = `  client_id: "123456789012.apps.supplier"
  redirect_uris: ["http://localhost:3000/callback"]
  backchannel_logout_uri: "http://localhost:3000/backchannel-logout"
  token_endpoint_auth_method: private_key_jwt
  jwks_uri: "http://localhost:3000/.well-known/jwks.json"
  token_endpoint_auth_signing_alg: RS512
`
)

// caFile is the name of the CA certificate the sim writes for the application to trust.
const caFile = "cis2-golive-sim-ca.pem"

func newCmdSim(ios *IOStreams) *cobra.Command {
	opts := &SimOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run a CIS2 stand-in your application signs in against",
		Long: "sim runs a CIS2-shaped OpenID Provider on this machine for an application under\n" +
			"development: CIS2's paths, discovery, keys, sign-in with test users, the token endpoint\n" +
			"checking your client exactly as CIS2 does, userinfo, and back-channel logout. The client\n" +
			"is registered from your configuration file. Every request and what the sim decided is\n" +
			"shown live; faults break the next sign-in's ID token to see whether the application\n" +
			"refuses it, and a logout sends CIS2's logout token (and ones it must refuse).\n\n" +
			"Faults: " + strings.Join(sim.FaultNames(), ", ") + ".\n\n" +
			"Admin API on the same listener (loopback clients only): GET /_sim/sessions,\n" +
			"POST /_sim/logout?sid=…, POST /_sim/fault?next=…, POST /_sim/signin, GET /_sim/events.\n\n" +
			"--config is required: the sim registers your application's own client (its\n" +
			"redirect_uris, backchannel_logout_uri, security pattern and jwks_uri), and no default\n" +
			"could be yours. " + simMinimalConfigIntro + "\n\n" + simMinimalConfig + "\n" +
			"Exit codes: 0 stopped with no finding, 1 a finding (the application accepted a fault\n" +
			"it must refuse, got a logout wrong, or published private key material), 2 usage or\n" +
			"configuration error.",
		Example: "  cis2-golive sim --config app.yaml --ca-out ./sim-ca\n" +
			"  cis2-golive sim --config app.yaml --auto-login 555000000001 --protected-url https://localhost:8443/home\n" +
			"  cis2-golive sim --config app.yaml --client-secret-env CIS2_SECRET --fault wrong-iss",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.ConfigPath == "" {
				return callError(errors.New("--config is required: the sim registers your application's own client (redirect_uris, security pattern, jwks_uri), so there is no default; `cis2-golive sim --help` shows a minimal file"))
			}
			if (opts.CertFile == "") != (opts.KeyFile == "") {
				return callError(errors.New("--cert and --key go together: the certificate and its private key"))
			}
			for _, f := range opts.Faults {
				if _, err := sim.ParseFault(f); err != nil {
					return callError(fmt.Errorf("--fault: %w", err))
				}
			}
			return runSim(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "the application's configuration `FILE` (YAML, JSON or a Connection Manager export)")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:9443", "`ADDR` to listen on (port 0 picks a free one); only loopback unless you name another address")
	f.StringVar(&opts.Host, "host", "", "host `NAME` in the issuer and certificate (default localhost, or the --listen address when it is not loopback)")
	f.StringVar(&opts.CAOut, "ca-out", "", "write the sim's CA certificate into `DIR` for the application to trust (default: a new temporary directory)")
	f.StringVar(&opts.CertFile, "cert", "", "serve this TLS certificate `FILE` (PEM) instead of one from the sim's own CA")
	f.StringVar(&opts.KeyFile, "key", "", "the private key `FILE` (PEM) of --cert")
	f.StringVar(&opts.AppCA, "app-ca", "", "trust this CA `FILE` (PEM) too when calling the application (its JWKS, logout URI, pages)")
	f.StringVar(&opts.ClientSecretEnv, "client-secret-env", "", "read the client_secret_basic secret from environment variable `NAME` (never stored or shown)")
	f.StringVar(&opts.AutoLogin, "auto-login", "", "sign every request in as test user `UID` without the sign-in page")
	f.StringArrayVar(&opts.Faults, "fault", nil, "break the next sign-in's ID token this `WAY` (repeatable: one per sign-in)")
	f.StringVar(&opts.ProtectedURL, "protected-url", "", "a `URL` of the application that needs a session: lets the sim sign in through the application and confirm logouts")
	return cmd
}

func runSim(ctx context.Context, opts *SimOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.IO
	cfg, _, err := loadFrom("--config", opts.ConfigPath)
	if err != nil {
		return usageError(err)
	}
	secret := ""
	if opts.ClientSecretEnv != "" {
		if secret = ios.Getenv(opts.ClientSecretEnv); secret == "" {
			return usageError(fmt.Errorf("--client-secret-env: environment variable %s is empty or unset", opts.ClientSecretEnv))
		}
	}
	ln, host, err := simListen(opts.Listen, opts.Host)
	if err != nil {
		return usageError(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	origin := "https://" + net.JoinHostPort(host, strconv.Itoa(port))

	hc, err := simAppClient(opts.AppCA)
	if err != nil {
		return usageError(err)
	}
	var faults []sim.Fault
	for _, f := range opts.Faults {
		ff, _ := sim.ParseFault(f)
		faults = append(faults, ff)
	}
	loopback := isLoopbackListen(ln.Addr())
	p, err := sim.New(sim.Options{Origin: origin, Client: cfg, ClientSecret: secret, HTTPClient: hc,
		AutoLogin: opts.AutoLogin, Faults: faults, ProtectedURL: opts.ProtectedURL, AdminFromAnywhere: !loopback})
	if err != nil {
		return usageError(fmt.Errorf("--config %s: %w", opts.ConfigPath, err))
	}
	defer p.Close()

	cert, caPath, err := simCertificate(opts, host)
	if err != nil {
		return usageError(err)
	}
	trust := "the certificate given by --cert"
	if caPath != "" {
		trust = "the CA in " + caPath
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// A client that does not trust the CA yet fails its handshake: an event says so and
		// what to trust. The server's other log lines are dropped (the events say more).
		ErrorLog: log.New(tlsErrorEvents{p, trust}, "", 0)}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	defer srv.Close()

	header := simBanner(p, cfg, caPath, ln.Addr(), loopback)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()

	for _, h := range header {
		fmt.Fprintln(ios.ErrOut, h) // stays on the terminal when the live view ends
	}
	if ios.CanPrompt() && ios.IsStderrTTY() && ios.Getenv("ACCESSIBLE") == "" {
		v := ui.NewSimView(p, header)
		if err := ui.RunSim(ctx, v, ios.In, ios.ErrOut); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	} else {
		fmt.Fprintln(ios.ErrOut, "Events follow, one a line (Ctrl+C stops).")
		linesCtx, stopLines := context.WithCancel(ctx)
		defer stopLines()
		if ios.CanPrompt() {
			// ACCESSIBLE on a terminal: the live view's keys, as commands typed one a line.
			fmt.Fprintln(ios.ErrOut, ui.SimCommandsHelp)
			go ui.RunSimCommands(linesCtx, p, ios.In, ios.ErrOut, stopLines)
		}
		if err := simLines(linesCtx, p, ios.Out, served); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	}
	// The provider's own counts: a view or a pipe that fell behind may have missed events.
	// The summary goes to stderr, where it stays once the live view has left the screen.
	findings, warnings := p.FindingCounts()
	for _, l := range report.SimSummary(p.Events(0), findings, warnings, p.Unjudged(), p.QueuedFaults()) {
		fmt.Fprintln(ios.ErrOut, l)
	}
	if findings > 0 {
		return failedError
	}
	return nil
}

// simLines prints events as plain lines (no terminal, or ACCESSIBLE) until ctx ends.
// Every event is printed once, in order, even those that happened while out was slow.
func simLines(ctx context.Context, p *sim.Provider, out io.Writer, served <-chan error) error {
	ch, cancel := p.Subscribe()
	defer cancel()
	last := 0
	print := func(e sim.Event) {
		for _, m := range p.Backfill(last, e) {
			fmt.Fprintln(out, report.SimEvent(m))
			last = m.Seq
		}
	}
	for _, e := range p.Events(0) {
		print(e)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-served:
			return err
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			print(e)
		}
	}
}

// tlsErrorEvents turns the server's "TLS handshake error" log lines into events.
type tlsErrorEvents struct {
	p     *sim.Provider
	trust string
}

func (t tlsErrorEvents) Write(b []byte) (int, error) {
	if rest, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "http: TLS handshake error from "); ok {
		// "ADDR: REASON": an address holds no ": " (an IPv6 one is bracketed).
		if i := strings.Index(rest, ": "); i > 0 {
			t.p.TLSHandshakeFailed(rest[:i], rest[i+2:], t.trust)
		}
	}
	return len(b), nil
}

// simListen opens the listener and picks the issuer's host name: localhost for a loopback
// address, else the address itself (or --host).
func simListen(addr, host string) (net.Listener, string, error) {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:9443", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, "", fmt.Errorf("--listen %s: the port is in use (another sim still running?): stop that one, or pick another port (--listen 127.0.0.1:0 picks a free one)", addr)
	}
	if err != nil {
		return nil, "", fmt.Errorf("--listen %s: %w", addr, err)
	}
	if host == "" {
		host = "localhost"
		if ip, err := netip.ParseAddr(h); err == nil && !ip.IsLoopback() && !ip.IsUnspecified() {
			host = h
		} else if err != nil && h != "" && h != "localhost" {
			host = h
		}
	}
	return ln, host, nil
}

func isLoopbackListen(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// simAppClient reaches the application: system roots plus --app-ca, the live checks' limits.
func simAppClient(appCA string) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if appCA != "" {
		data, err := os.ReadFile(appCA)
		if err != nil {
			return nil, fmt.Errorf("--app-ca: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("--app-ca %s holds no PEM certificate", appCA)
		}
	}
	return checks.NewHTTPClient(checks.Options{Timeout: 10 * time.Second, RootCAs: pool, AllowPrivate: true}), nil
}

// simCertificate is --cert/--key, or a leaf from a fresh CA whose certificate is written to
// --ca-out for the application to trust.
func simCertificate(opts *SimOptions, host string) (tls.Certificate, string, error) {
	if opts.CertFile != "" {
		c, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return tls.Certificate{}, "", fmt.Errorf("--cert/--key: %w", err)
		}
		return c, "", nil
	}
	ca, err := sandbox.NewCA()
	if err != nil {
		return tls.Certificate{}, "", err
	}
	cert, err := ca.Leaf(host, "localhost", "127.0.0.1", "::1")
	if err != nil {
		return tls.Certificate{}, "", err
	}
	dir := opts.CAOut
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cis2-golive-sim-"); err != nil {
			return tls.Certificate{}, "", fmt.Errorf("create a directory for the CA: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("--ca-out: %w", err)
	}
	path := filepath.Join(dir, caFile)
	if err := model.WriteFileAtomic(path, ca.PEM(), 0o644); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("--ca-out: %w", err)
	}
	return cert, path, nil
}

// simBanner says where the sim is and what the application needs to know, first line first.
func simBanner(p *sim.Provider, cfg *model.Config, caPath string, addr net.Addr, loopback bool) []string {
	auth := string(cfg.TokenEndpointAuthMethod)
	if cfg.UsesPrivateKeyJWT() {
		auth += " " + cfg.TokenEndpointAuthSigningAlg + ", keys from " + cfg.JWKSURI
	}
	lines := []string{
		"Issuer: " + p.Issuer(),
		"Discovery: " + p.DiscoveryURL(),
		"Client: " + cfg.ClientID + " · " + auth,
	}
	if caPath != "" {
		lines = append(lines, "CA certificate (trust it in the application): "+caPath)
	}
	u, _ := url.Parse(p.Issuer())
	lines = append(lines, "Admin API: https://"+u.Host+"/_sim/ · listening on "+addr.String())
	if !loopback {
		lines = append(lines, "Warning: listening beyond loopback; anyone who reaches "+addr.String()+" can use the admin API")
	}
	if cfg.BackchannelLogoutURI == "" {
		lines = append(lines, "No backchannel_logout_uri: logouts cannot be delivered")
	}
	return lines
}
