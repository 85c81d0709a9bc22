// Package sim is a CIS2-shaped OpenID Provider for an application under development: CIS2's
// realm paths, discovery, JWKS, authorize with a test-user sign-in page, access_token (client
// authentication exactly as CIS2 does it), userinfo, connect/endSession, back-channel logout
// delivery, faults injected into the next sign-in's ID token, and an admin API under /_sim/
// for scripts. It is an http.Handler: the caller (the `sim` command, the sandbox) owns the
// listener and TLS. Every step is recorded as an Event that carries claims, never a token,
// code, assertion or secret.
package sim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// Realm is CIS2's path prefix; every provider URL starts with the origin and Realm.
const Realm = "/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare"

// Endpoint names one provider endpoint, for Options.Wrap and events.
type Endpoint string

// The provider's endpoints.
const (
	Discovery  Endpoint = "discovery"
	JWKS       Endpoint = "jwks"
	Authorize  Endpoint = "authorize"
	SignIn     Endpoint = "sign-in"
	Token      Endpoint = "token"
	UserInfo   Endpoint = "userinfo"
	EndSession Endpoint = "endsession"
	Admin      Endpoint = "admin"
	TLS        Endpoint = "tls" // the listener's handshakes, reported by its owner
	// Outbound endpoints are the application's, called by the provider.
	AppJWKS   Endpoint = "app.jwks"
	AppLogout Endpoint = "app.logout"
	AppPage   Endpoint = "app.page"
)

// Lifetimes. CIS2 runs ForgeRock AM; these are AM's defaults (CIS2's own values are
// unconfirmed): an authorization code lives 120 s, tokens an hour.
const (
	codeLifetime    = 120 * time.Second
	tokenLifetime   = time.Hour
	logoutLifetime  = 2 * time.Minute
	pendingLifetime = 10 * time.Minute // a sign-in page left open
	// maxAssertionLifetime: CIS2's limit is unconfirmed; NHS teams use 5 minutes, so the
	// provider refuses anything meant to live much longer than that.
	maxAssertionLifetime = 10 * time.Minute
	// leeway allows for clock skew between the provider and the application.
	leeway = 30 * time.Second
	// maxForm bounds a request body: a token request is a few kilobytes.
	maxForm = 64 << 10
	// maxBody bounds what the provider reads from the application (JWKS, logout answers).
	maxBody = 1 << 20
)

// Options configure a provider.
type Options struct {
	// Origin is https://host:port, where the application reaches the provider. The issuer is
	// Origin+Realm with the port kept, as CIS2's issuer keeps ":443".
	Origin string
	// Client is the registered client, from the same configuration file the rest of the tool
	// reads: client_id, redirect_uris, backchannel_logout_uri, the security pattern, jwks_uri,
	// the token endpoint signing alg and the userinfo signing alg.
	Client *model.Config
	// ClientSecret authenticates a client_secret_basic client. It is only held in memory.
	ClientSecret string
	// HTTPClient reaches the application: its JWKS, its back-channel logout URI and, for the
	// provider's own browser, its pages. Its Timeout bounds every call; nil means 10 s.
	HTTPClient *http.Client
	// AutoLogin signs every authorization request in as this test user, without the page.
	AutoLogin string
	// Faults are queued for the next sign-ins, one each.
	Faults []Fault
	// ProtectedURL is a page of the application that needs a signed-in session. With it the
	// provider can sign in through the application itself (its browser) and confirm whether
	// a session lives or ended.
	ProtectedURL string
	// Users replaces the built-in test users.
	Users []User
	// AdminFromAnywhere lets any peer use /_sim/; by default only loopback peers may.
	AdminFromAnywhere bool
	// Wrap, when set, wraps an endpoint's handler (tests use it to serve hostile answers).
	Wrap func(Endpoint, http.Handler) http.Handler
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Provider is a running CIS2 stand-in. Its zero value is not usable: call New.
type Provider struct {
	opts    Options
	client  *model.Config
	issuer  string
	keys    *signingKeys
	http    *http.Client
	handler http.Handler
	events  *eventLog

	mu       sync.Mutex
	pending  map[string]*pendingAuth // sign-in pages open, by transaction id
	grants   map[string]*grant       // authorization codes not yet exchanged
	tokens   map[string]*issued      // access tokens, for userinfo
	sessions map[string]*Session     // by sid
	cookies  map[string]string       // provider session cookie → sid
	faults   []Fault                 // queued for the next sign-ins
	seenJTI  map[string]time.Time    // client assertion ids already used, until they expire
	signIns  int

	bg       sync.WaitGroup // work started by a request that outlives it
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

// New checks the registration and makes the provider's keys.
func New(opts Options) (*Provider, error) {
	if opts.Client == nil {
		return nil, errors.New("sim: no client configuration")
	}
	if err := checkRegistration(opts.Client, opts.ClientSecret); err != nil {
		return nil, err
	}
	u, err := url.Parse(opts.Origin)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("sim: origin %q must be https://host:port (the issuer keeps its port, as CIS2's keeps :443)", opts.Origin)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Users) == 0 {
		opts.Users = TestUsers
	}
	if opts.AutoLogin != "" && findUser(opts.Users, opts.AutoLogin) == nil {
		return nil, fmt.Errorf("--auto-login %q is not a test user: use one of %s", opts.AutoLogin, userIDs(opts.Users))
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	cfg := opts.Client.Clone()
	p := &Provider{
		opts:     opts,
		client:   &cfg,
		issuer:   strings.TrimSuffix(opts.Origin, "/") + Realm,
		http:     hc,
		events:   newEventLog(),
		pending:  map[string]*pendingAuth{},
		grants:   map[string]*grant{},
		tokens:   map[string]*issued{},
		sessions: map[string]*Session{},
		cookies:  map[string]string{},
		faults:   append([]Fault(nil), opts.Faults...),
		seenJTI:  map[string]time.Time{},
	}
	if p.keys, err = newSigningKeys(cfg.UserinfoSignedResponseAlg); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	p.bgCtx, p.bgCancel = context.WithCancel(context.Background())
	p.handler = p.routes()
	return p, nil
}

// background runs f after the current request, bounded by Close.
func (p *Provider) background(f func(ctx context.Context)) {
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		ctx, cancel := context.WithTimeout(p.bgCtx, time.Minute)
		defer cancel()
		f(ctx)
	}()
}

// Close stops background work (a logout being delivered) and waits for it.
func (p *Provider) Close() {
	p.bgCancel()
	p.bg.Wait()
}

// checkRegistration refuses a configuration the provider could not register as a client.
func checkRegistration(c *model.Config, secret string) error {
	switch {
	case c.ClientID == "":
		return errors.New("client_id is empty: the sim registers the client under it; add the client_id CIS2 issued (any <digits>.apps.supplier value for development)")
	case len(c.RedirectURIs) == 0:
		return errors.New("redirect_uris is empty: add the application's callback URL")
	}
	for i, r := range c.RedirectURIs {
		if u, err := url.Parse(r); err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" {
			return fmt.Errorf("redirect_uris[%d] is not an absolute URL without a fragment", i)
		}
	}
	switch c.TokenEndpointAuthMethod {
	case model.PrivateKeyJWT:
		if c.JWKSURI == "" {
			return errors.New("jwks_uri is empty: a private_key_jwt client publishes its public key there")
		}
		if !slices.Contains(model.CIS2.TokenEndpointSigningAlgs, c.TokenEndpointAuthSigningAlg) {
			return fmt.Errorf("token_endpoint_auth_signing_alg %q is not one CIS2 registers: use one of %s",
				c.TokenEndpointAuthSigningAlg, strings.Join(model.CIS2.TokenEndpointSigningAlgs, ", "))
		}
	case model.ClientSecretBasic:
		if secret == "" {
			return errors.New("token_endpoint_auth_method is client_secret_basic but no secret was given: pass --client-secret-env NAME")
		}
	default:
		return fmt.Errorf("token_endpoint_auth_method %q: the sim authenticates private_key_jwt or client_secret_basic clients, as CIS2's go-live page offers", c.TokenEndpointAuthMethod)
	}
	if a := c.UserinfoSignedResponseAlg; a != "" && !slices.Contains(signableUserinfoAlgs, a) {
		return fmt.Errorf("userinfo_signed_response_alg %q: the sim signs userinfo with one of %s", a, strings.Join(signableUserinfoAlgs, ", "))
	}
	return nil
}

// ServeHTTP serves every provider endpoint and the admin API.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Issuer is the provider's issuer, exactly as its discovery document and tokens write it.
func (p *Provider) Issuer() string { return p.issuer }

// DiscoveryURL is the provider's discovery document.
func (p *Provider) DiscoveryURL() string { return p.issuer + "/.well-known/openid-configuration" }

// TokenEndpoint is the audience a client assertion must name.
func (p *Provider) TokenEndpoint() string { return p.issuer + "/access_token" }

// ClientID is the registered client's id.
func (p *Provider) ClientID() string { return p.client.ClientID }

// ProtectedURL is the application page the provider's browser uses ("" without one).
func (p *Provider) ProtectedURL() string { return p.opts.ProtectedURL }

func (p *Provider) now() time.Time { return p.opts.Now() }

// routes maps CIS2's paths (and the admin API) to handlers.
func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, e Endpoint, h http.HandlerFunc) {
		var hh http.Handler = h
		if p.opts.Wrap != nil {
			hh = p.opts.Wrap(e, hh)
		}
		mux.Handle(pattern, hh)
	}
	handle("GET "+Realm+"/.well-known/openid-configuration", Discovery, p.discovery)
	handle("GET "+Realm+"/connect/jwk_uri", JWKS, p.jwks)
	handle("GET "+Realm+"/authorize", Authorize, p.authorize)
	handle("POST "+Realm+"/authorize", Authorize, p.authorize)
	handle("POST "+signInPath, SignIn, p.signIn)
	handle("POST "+Realm+"/access_token", Token, p.token)
	handle("GET "+Realm+"/userinfo", UserInfo, p.userinfo)
	handle("POST "+Realm+"/userinfo", UserInfo, p.userinfo)
	handle("GET "+Realm+"/connect/endSession", EndSession, p.endSession)
	mux.Handle("/_sim/", p.adminRoutes())
	return mux
}

// randomID is an unguessable identifier (codes, tokens, session ids, cookies).
func randomID() string { return rand.Text() }

// withTimeout bounds a call to the application when the HTTP client has no timeout of its own.
func (p *Provider) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.http.Timeout > 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, 10*time.Second)
}
