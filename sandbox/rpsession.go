package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
)

// The sandbox relying party's sign-in, done the way a careful application does it: state,
// nonce and PKCE (S256) on the way out (sandbox/rplogin.go builds the request); on the way back a private_key_jwt token exchange and
// the ID token validated as OIDC Core §3.1.3.7 says (CIS2's key by kid, RS256 only, iss
// exactly, aud, exp, iat, nonce), then a session cookie. Back-channel logout ends the
// sessions of the logout token's sid.

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

const (
	sessionCookie   = "epr_session"
	signInCookie    = "epr_signin" // binds a callback to the browser that started the sign-in
	signInLifetime  = 10 * time.Minute
	rpSessionMaxAge = 8 * time.Hour
)

// rpState is the relying party's memory: sign-ins under way, sessions, and CIS2's metadata.
type rpState struct {
	rpMu     sync.Mutex
	signIns  map[string]*pendingSignIn // by state
	sessions map[string]*rpSession     // by session cookie
	meta     *cis2Metadata
	cis2Keys *keys.Set
	refusal  string // why the relying party last refused a sign-in, for tests
}

func newRPState() rpState {
	return rpState{signIns: map[string]*pendingSignIn{}, sessions: map[string]*rpSession{}}
}

type pendingSignIn struct {
	nonce, verifier, redirectURI string
	started                      time.Time
}

type rpSession struct {
	sub, sid, name string
	started        time.Time
}

// cis2Metadata is what the relying party reads from CIS2's discovery document.
type cis2Metadata struct {
	Issuer    string `json:"issuer"`
	Authorize string `json:"authorization_endpoint"`
	Token     string `json:"token_endpoint"`
	UserInfo  string `json:"userinfo_endpoint"`
	JWKSURI   string `json:"jwks_uri"`
}

// metadata reads CIS2's discovery document once.
func (s *Sandbox) metadata(ctx context.Context) (*cis2Metadata, error) {
	s.rpMu.Lock()
	m := s.meta
	s.rpMu.Unlock()
	if m != nil {
		return m, nil
	}
	body, err := s.fetch(ctx, s.DiscoveryURL())
	if err != nil {
		return nil, fmt.Errorf("CIS2 discovery: %w", err)
	}
	m = &cis2Metadata{}
	if err := json.Unmarshal(body, m); err != nil || m.Issuer == "" || m.Token == "" || m.JWKSURI == "" {
		return nil, errors.New("CIS2 discovery: not a discovery document")
	}
	s.rpMu.Lock()
	s.meta = m
	s.rpMu.Unlock()
	return m, nil
}

func (s *Sandbox) fetch(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", u, resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, keys.MaxSetBytes))
}

// cis2Key finds CIS2's public key for kid, fetching the JWKS again when the kid is new (CIS2
// may have rotated), and refusing a key that cannot verify alg.
func (s *Sandbox) cis2Key(ctx context.Context, kid, alg string) (any, error) {
	find := func() []keys.Key {
		s.rpMu.Lock()
		defer s.rpMu.Unlock()
		if s.cis2Keys == nil {
			return nil
		}
		return s.cis2Keys.ByKID(kid)
	}
	found := find()
	if len(found) == 0 {
		m, err := s.metadata(ctx)
		if err != nil {
			return nil, err
		}
		body, err := s.fetch(ctx, m.JWKSURI)
		if err != nil {
			return nil, fmt.Errorf("CIS2 JWKS: %w", err)
		}
		set, err := keys.ParseSet(body)
		if err != nil {
			return nil, fmt.Errorf("CIS2 JWKS: %w", err)
		}
		s.rpMu.Lock()
		s.cis2Keys = set
		s.rpMu.Unlock()
		found = find()
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("kid %q is not in CIS2's JWKS", kid)
	}
	if err := found[0].CheckAlg(alg); err != nil {
		return nil, fmt.Errorf("CIS2 key %q cannot verify %s: %w", kid, alg, err)
	}
	return found[0].Public, nil
}

// beginSignIn keeps a sign-in's state, nonce and PKCE verifier server side, and ties the
// browser to the state with a cookie, so a callback can only finish the sign-in it started.
func (s *Sandbox) beginSignIn(w http.ResponseWriter, p authorizeParams) {
	s.rpMu.Lock()
	for st, x := range s.signIns {
		if time.Since(x.started) > signInLifetime {
			delete(s.signIns, st)
		}
	}
	s.signIns[p.State] = &pendingSignIn{nonce: p.Nonce, verifier: p.CodeVerifier,
		redirectURI: s.rp.base + redirectPath(0), started: time.Now()}
	s.rpMu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: p.State, Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(signInLifetime.Seconds())})
}

// callback is the redirect URI: CIS2 sends the browser back here with a code (or an error).
// A GET without either is not a sign-in (the live checks' reachability probe is one): it
// gets a page saying where sign-in starts.
func (s *Sandbox) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("code") && !q.Has("error") {
		page(w, http.StatusOK, "Sandbox EPR: no sign-in in progress; sign in at "+loginPath+".")
		return
	}
	s.rpMu.Lock()
	p := s.signIns[q.Get("state")]
	delete(s.signIns, q.Get("state"))
	s.rpMu.Unlock()
	c, err := r.Cookie(signInCookie)
	switch {
	case p == nil || time.Since(p.started) > signInLifetime:
		s.refuse(w, "unknown or expired state")
		return
	case err != nil || c.Value != q.Get("state"):
		s.refuse(w, "the state is not the one this browser started (CSRF)")
		return
	case q.Has("error"):
		s.refuse(w, "CIS2 answered "+q.Get("error"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: "", Path: "/", MaxAge: -1})
	sess, err := s.completeSignIn(r.Context(), q.Get("code"), p)
	if err != nil {
		s.refuse(w, err.Error())
		return
	}
	id := rand.Text()
	s.rpMu.Lock()
	s.sessions[id] = sess
	s.rpMu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(rpSessionMaxAge.Seconds())})
	http.Redirect(w, r, recordPath, http.StatusFound)
}

// refuse ends a sign-in that failed: 401 and the reason, kept for tests.
func (s *Sandbox) refuse(w http.ResponseWriter, why string) {
	s.rpMu.Lock()
	s.refusal = why
	s.rpMu.Unlock()
	page(w, http.StatusUnauthorized, "Sign-in refused: "+why)
}

// LastRefusal says why the relying party last refused a sign-in.
func (s *Sandbox) LastRefusal() string {
	s.rpMu.Lock()
	defer s.rpMu.Unlock()
	return s.refusal
}

// idClaims are the ID token claims the relying party uses.
type idClaims struct {
	jwt.RegisteredClaims
	Nonce string `json:"nonce"`
	SID   string `json:"sid"`
	AZP   string `json:"azp"`
	Name  string `json:"name"`
}

// completeSignIn exchanges the code (private_key_jwt) and validates the ID token.
func (s *Sandbox) completeSignIn(ctx context.Context, code string, p *pendingSignIn) (*rpSession, error) {
	m, err := s.metadata(ctx)
	if err != nil {
		return nil, err
	}
	assertion, err := s.clientAssertion(m.Token)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {p.redirectURI},
		"code_verifier": {p.verifier}, "client_id": {ClientID},
		"client_assertion_type": {jwtBearer}, "client_assertion": {assertion},
	}
	resp, err := s.client.PostForm(m.Token, form)
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	var tr struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxForm)).Decode(&tr); err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token request: HTTP %d %s", resp.StatusCode, tr.Error)
	}
	var c idClaims
	if s.opts.Faults.IDTokenUnchecked {
		// The bug under test: the claims are read, never validated.
		if _, _, err := jwt.NewParser().ParseUnverified(tr.IDToken, &c); err != nil {
			return nil, fmt.Errorf("ID token: %w", err)
		}
	} else if err := s.validateIDToken(ctx, m, tr.IDToken, p.nonce, &c); err != nil {
		return nil, err
	}
	sess := &rpSession{sub: c.Subject, sid: c.SID, name: c.Name, started: time.Now()}
	if err := s.readUserinfo(ctx, m, tr.AccessToken, sess); err != nil {
		return nil, err
	}
	return sess, nil
}

// validateIDToken is OIDC Core §3.1.3.7 for a single-audience client.
func (s *Sandbox) validateIDToken(ctx context.Context, m *cis2Metadata, raw, nonce string, c *idClaims) error {
	_, err := jwt.ParseWithClaims(raw, c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return s.cis2Key(ctx, kid, t.Method.Alg())
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(m.Issuer),
		jwt.WithAudience(ClientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
	)
	switch {
	case err != nil:
		return fmt.Errorf("ID token: %w", err)
	case c.AZP != "" && c.AZP != ClientID:
		return fmt.Errorf("ID token: azp %q is not this client", c.AZP)
	case c.Nonce != nonce:
		return errors.New("ID token: nonce does not match the sign-in's")
	case c.Subject == "":
		return errors.New("ID token: no sub")
	}
	return nil
}

// readUserinfo fetches the user's name from CIS2's userinfo endpoint, verifying the signed
// response (iss, and sub equal to the ID token's, OIDC Core §5.3.2; CIS2 sends no aud).
func (s *Sandbox) readUserinfo(ctx context.Context, m *cis2Metadata, access string, sess *rpSession) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.UserInfo, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxForm))
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("userinfo: HTTP %d", resp.StatusCode)
	}
	var c idClaims
	_, err = jwt.ParseWithClaims(string(body), &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return s.cis2Key(ctx, kid, t.Method.Alg())
	}, jwt.WithValidMethods([]string{s.Config().UserinfoSignedResponseAlg}), jwt.WithIssuer(m.Issuer))
	switch {
	case err != nil:
		return fmt.Errorf("userinfo: %w", err)
	case c.Subject != sess.sub && !s.opts.Faults.IDTokenUnchecked:
		return errors.New("userinfo: sub is not the ID token's")
	}
	if c.Name != "" {
		sess.name = c.Name
	}
	return nil
}

// clientAssertion signs the private_key_jwt assertion for the token endpoint.
func (s *Sandbox) clientAssertion(aud string) (string, error) {
	now := time.Now()
	t := jwt.NewWithClaims(jwt.GetSigningMethod(SigningAlg), jwt.MapClaims{
		"iss": ClientID, "sub": ClientID, "aud": aud, "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	})
	t.Header["kid"] = s.rpKID
	return t.SignedString(s.rpKey)
}

// record is the protected page: a signed-in session sees it, anyone else is sent to sign in.
func (s *Sandbox) record(w http.ResponseWriter, r *http.Request) {
	sess := s.sessionOf(r)
	if sess == nil {
		http.Redirect(w, r, loginPath, http.StatusFound)
		return
	}
	page(w, http.StatusOK, "Patient record (cis2-golive sandbox). Signed in as "+sess.name+" ("+sess.sub+").")
}

func (s *Sandbox) sessionOf(r *http.Request) *rpSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	s.rpMu.Lock()
	defer s.rpMu.Unlock()
	sess := s.sessions[c.Value]
	if sess == nil || time.Since(sess.started) > rpSessionMaxAge {
		return nil
	}
	return sess
}

// endSessions ends every session of the logout token's sid (or, without one, of its sub)
// and reports how many there were.
func (s *Sandbox) endSessions(sub, sid string) int {
	s.rpMu.Lock()
	defer s.rpMu.Unlock()
	n := 0
	for id, sess := range s.sessions {
		if (sid != "" && sess.sid == sid) || (sid == "" && sess.sub == sub) {
			delete(s.sessions, id)
			n++
		}
	}
	return n
}

// Sessions counts the relying party's live sessions.
func (s *Sandbox) Sessions() int {
	s.rpMu.Lock()
	defer s.rpMu.Unlock()
	return len(s.sessions)
}

func page(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>Sandbox EPR</title><p>%s\n", html.EscapeString(strings.TrimSpace(text)))
}
