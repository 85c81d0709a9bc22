package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// signInPath is where the sign-in page posts the test user picked.
const signInPath = "/sim/sign-in"

// sessionCookie is the provider's own session cookie (AM's name), for single sign-on.
const sessionCookie = "iPlanetDirectoryPro"

// authRequest is an authorization request that passed the checks CIS2 makes before it shows
// its sign-in page.
type authRequest struct {
	redirectURI, state, nonce string
	scopes, acrValues         []string
	prompt                    []string
	maxAge                    int // -1: not sent
	loginHint                 string
	challenge, method         string
}

// wantsAuthTime: CIS2 puts auth_time in the ID token when the request sent max_age or
// prompt=login (CIS2 change log, 25 Aug 2021).
func (a *authRequest) wantsAuthTime() bool {
	return a.maxAge >= 0 || slices.Contains(a.prompt, "login")
}

// pendingAuth is a request waiting on the sign-in page.
type pendingAuth struct {
	req     authRequest
	expires time.Time
}

// Session is a signed-in CIS2 session: one user at one provider-side browser session. Its
// sid is the ID token's and the logout token's sid.
type Session struct {
	SID      string    `json:"sid"`
	Sub      string    `json:"sub"`
	Name     string    `json:"name"`
	ACR      string    `json:"acr"`
	AMR      string    `json:"amr"`
	AAL      int       `json:"aal"`
	AuthTime time.Time `json:"auth_time"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	SignIns  int       `json:"sign_ins"`
	// Fault is the last sign-in's fault, and Verdict what became of that sign-in as far as
	// the provider could see.
	Fault   string `json:"fault,omitempty"`
	Verdict string `json:"verdict,omitempty"`
	// SimBrowser: the provider signed in through the application itself and holds the
	// session cookie the application set (it reached the protected page), so a logout's
	// effect can be confirmed.
	SimBrowser bool `json:"sim_browser"`

	user   *User
	cookie string
	jar    http.CookieJar
	judged bool // the last sign-in's fault has a verdict
}

// Active reports whether the session has not ended.
func (s *Session) Active() bool { return s.Ended.IsZero() }

// authorize is CIS2's authorization endpoint: the request is checked in the order an
// authorization server must (RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown
// to the user, never redirected to), then the user signs in (the page, login_hint, or
// --auto-login) or an existing session is reused.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		p.authorizePage(w, r, http.StatusBadRequest, "invalid_request", "the request could not be read: "+err.Error())
		return
	}
	q := r.Form
	if id := q.Get("client_id"); id != p.client.ClientID {
		p.authorizePage(w, r, http.StatusBadRequest, "invalid_client",
			fmt.Sprintf("client_id %q is not the registered client %s", sanitize.Clean(id), p.client.ClientID))
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(p.client.RedirectURIs, redirect) {
		p.authorizePage(w, r, http.StatusBadRequest, "redirect_uri_mismatch", redirectMismatch(redirect, p.client.RedirectURIs))
		return
	}
	req := authRequest{redirectURI: redirect, state: q.Get("state"), nonce: q.Get("nonce"),
		scopes: strings.Fields(q.Get("scope")), acrValues: strings.Fields(q.Get("acr_values")),
		prompt: strings.Fields(q.Get("prompt")), maxAge: -1, loginHint: q.Get("login_hint"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
	fail := func(code, cis2, plain string) {
		p.redirectError(w, r, req, code, cis2, plain)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "Response type is not supported",
			fmt.Sprintf("response_type is %q: CIS2 supports only the authorization code flow (code)", sanitize.Clean(q.Get("response_type"))))
		return
	case q.Has("response_mode") && !slices.Contains(model.CIS2.ResponseModes, q.Get("response_mode")):
		why := model.CIS2.WithdrawnResponseModes[q.Get("response_mode")]
		if why == "" {
			why = "CIS2 answers with " + strings.Join(model.CIS2.ResponseModes, ", ") + " only"
		}
		fail("invalid_request", "Invalid response_mode", fmt.Sprintf("response_mode is %q: %s", sanitize.Clean(q.Get("response_mode")), why))
		return
	case !slices.Contains(req.scopes, "openid"):
		fail("invalid_scope", "Unknown/invalid scope(s)", "scope has no openid: every CIS2 sign-in asks for openid")
		return
	case q.Has("request") || q.Has("request_uri"):
		fail("request_not_supported", "Request objects are not supported by this stand-in", "request objects are not simulated")
		return
	}
	if unknown := slices.DeleteFunc(slices.Clone(req.scopes), func(s string) bool { return slices.Contains(model.CIS2.Scopes, s) }); len(unknown) > 0 {
		fail("invalid_scope", "Unknown/invalid scope(s)", "scope "+strings.Join(unknown, " ")+" is not one CIS2 lists ("+strings.Join(model.CIS2.Scopes, ", ")+")")
		return
	}
	if unknown := slices.DeleteFunc(slices.Clone(req.acrValues), func(s string) bool { return slices.Contains(model.CIS2.ACRValues, s) }); len(unknown) > 0 {
		fail("invalid_request", "Invalid acr_values",
			"acr_values "+strings.Join(unknown, " ")+" is not one CIS2 lists ("+strings.Join(model.CIS2.ACRValues, ", ")+"); what CIS2 itself answers is unconfirmed")
		return
	}
	if s := q.Get("max_age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fail("invalid_request", "Invalid max_age", "max_age must be a whole number of seconds")
			return
		}
		req.maxAge = n
	}
	switch {
	case req.challenge == "" && req.method != "":
		fail("invalid_request", "Missing code_challenge", "code_challenge_method was sent without a code_challenge")
		return
	case req.challenge != "" && req.method == "":
		req.method = "plain" // RFC 7636 §4.3
	case req.challenge != "" && req.method != "S256" && req.method != "plain":
		fail("invalid_request", "Unsupported code_challenge_method", "code_challenge_method must be S256 (or plain)")
		return
	}
	p.noteRequest(r, req)

	sess := p.sessionFor(r)
	reauth := sess == nil || slices.Contains(req.prompt, "login") ||
		(req.maxAge >= 0 && p.now().Sub(sess.AuthTime) > time.Duration(req.maxAge)*time.Second)
	if !reauth {
		p.issueCode(w, r, req, sess, "reused the CIS2 session: no sign-in needed")
		return
	}
	if slices.Contains(req.prompt, "none") {
		fail("login_required", "The request requires login", "prompt=none but there is no CIS2 session to reuse (or max_age asks for a fresh sign-in)")
		return
	}
	uid, why := p.opts.AutoLogin, "--auto-login"
	if st, ok := r.Context().Value(browserKey{}).(*browserState); ok && st != nil {
		uid, why = st.uid, "the sim's browser"
	} else if req.loginHint != "" && findUser(p.opts.Users, req.loginHint) != nil {
		uid, why = req.loginHint, "login_hint"
	}
	if uid != "" {
		a, acr, _ := authenticatorFor(req.acrValues, "")
		p.signInUser(w, r, req, sess, findUser(p.opts.Users, uid), a, acr, "signed in by "+why)
		return
	}
	txn := randomID()
	p.mu.Lock()
	p.pending[txn] = &pendingAuth{req: req, expires: p.now().Add(pendingLifetime)}
	p.mu.Unlock()
	hint := ""
	if req.loginHint != "" {
		hint = fmt.Sprintf("login_hint %q is not a test user", sanitize.Clean(req.loginHint))
	}
	p.renderSignIn(w, txn, req, hint)
	p.record(Event{Endpoint: Authorize, Method: r.Method, Path: r.URL.Path, Status: http.StatusOK, Outcome: OK,
		Plain: "showed the sign-in page: pick a test user and an authenticator"})
}

// noteRequest records the authorization request's shape, with advice for what CIS2 accepts
// but a careful relying party would do differently.
func (p *Provider) noteRequest(r *http.Request, req authRequest) {
	var notes []string
	if req.state == "" {
		notes = append(notes, "no state: the callback cannot be tied to this browser (CSRF, RFC 6749 §10.12)")
	}
	if req.nonce == "" {
		notes = append(notes, "no nonce: the ID token cannot be tied to this sign-in (OIDC Core §3.1.2.1)")
	}
	switch req.method {
	case "":
		notes = append(notes, "no PKCE: send code_challenge with S256 (RFC 7636)")
	case "plain":
		notes = append(notes, "PKCE plain: use S256 (RFC 7636 §4.2)")
	}
	plain := fmt.Sprintf("authorization request: scope %q", strings.Join(req.scopes, " "))
	if len(req.acrValues) > 0 {
		plain += ", acr_values " + strings.Join(req.acrValues, " ")
	}
	if len(req.prompt) > 0 {
		plain += ", prompt " + strings.Join(req.prompt, " ")
	}
	if req.maxAge >= 0 {
		plain += ", max_age " + strconv.Itoa(req.maxAge)
	}
	if req.method != "" {
		plain += ", PKCE " + req.method
	}
	if len(notes) > 0 {
		plain += "; " + strings.Join(notes, "; ")
	}
	p.record(Event{Endpoint: Authorize, Method: r.Method, Path: r.URL.Path, Outcome: Info, Plain: plain})
}

// redirectMismatch says how a redirect URI differs from the registered ones.
func redirectMismatch(got string, registered []string) string {
	if got == "" {
		return "redirect_uri is missing"
	}
	near := model.Nearest(got, registered)
	msg := fmt.Sprintf("redirect_uri %q is not registered", sanitize.Clean(got))
	if near == "" {
		return msg + " (registered: " + strings.Join(registered, ", ") + ")"
	}
	if strings.TrimPrefix(got, "http://") == strings.TrimPrefix(near, "https://") {
		return msg + ": it is http where " + near + " is https (an application behind a TLS-terminating proxy builds it from the proxy's scheme)"
	}
	return msg + "; the nearest registered one is " + near + " (CIS2 compares byte for byte)"
}

// authorizePage answers an authorization request that cannot be redirected: CIS2 shows an
// error page.
func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request, status int, code, plain string) {
	renderError(w, status, code, plain)
	p.record(Event{Endpoint: Authorize, Method: r.Method, Path: r.URL.Path, Status: status, Outcome: Refused, CIS2: code, Plain: plain})
}

// redirectError sends an authorization error back to the application's redirect URI.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, code, cis2, plain string) {
	v := url.Values{"error": {code}, "error_description": {cis2}}
	if req.state != "" {
		v.Set("state", req.state)
	}
	http.Redirect(w, r, withQuery(req.redirectURI, v), http.StatusFound)
	p.record(Event{Endpoint: Authorize, Method: r.Method, Path: r.URL.Path, Status: http.StatusFound, Outcome: Refused,
		CIS2: code + ": " + cis2, Plain: plain})
}

func withQuery(base string, v url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sessionFor is the live provider session the browser's cookie names, if any.
func (p *Provider) sessionFor(r *http.Request) *Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sessions[p.cookies[c.Value]]
	if s == nil || !s.Active() {
		return nil
	}
	return s
}

// signIn takes the sign-in page's answer.
func (p *Provider) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		renderError(w, http.StatusBadRequest, "invalid_request", "the sign-in form could not be read")
		return
	}
	txn := r.PostForm.Get("txn")
	p.mu.Lock()
	pa := p.pending[txn]
	delete(p.pending, txn)
	for id, x := range p.pending {
		if p.now().After(x.expires) {
			delete(p.pending, id)
		}
	}
	p.mu.Unlock()
	if pa == nil || p.now().After(pa.expires) {
		renderError(w, http.StatusBadRequest, "invalid_request", "this sign-in page has expired or was already used: start the sign-in again from the application")
		p.record(Event{Endpoint: SignIn, Method: r.Method, Path: r.URL.Path, Status: http.StatusBadRequest, Outcome: Refused,
			Plain: "sign-in page answer for an unknown or expired sign-in"})
		return
	}
	if r.PostForm.Has("cancel") {
		p.redirectError(w, r, pa.req, "access_denied", "The resource owner or authorization server denied the request.",
			"the user cancelled the sign-in")
		return
	}
	u := findUser(p.opts.Users, r.PostForm.Get("uid"))
	a, acr, ok := authenticatorFor(pa.req.acrValues, r.PostForm.Get("amr"))
	if u == nil || !ok {
		p.mu.Lock()
		p.pending[txn] = pa
		p.mu.Unlock()
		p.renderSignIn(w, txn, pa.req, "pick a test user and an authenticator that meets the request")
		return
	}
	p.signInUser(w, r, pa.req, p.sessionFor(r), u, a, acr, "signed in on the sign-in page")
}

// signInUser starts (or refreshes, for a re-authentication) the provider session and sends
// the code.
func (p *Provider) signInUser(w http.ResponseWriter, r *http.Request, req authRequest, sess *Session, u *User, a model.Authenticator, acr, how string) {
	now := p.now()
	p.mu.Lock()
	if sess == nil || sess.Sub != u.UID {
		sess = &Session{SID: randomID(), Started: now, cookie: randomID(), user: u, Sub: u.UID, Name: u.Name}
		p.sessions[sess.SID] = sess
		p.cookies[sess.cookie] = sess.SID
	}
	sess.AuthTime, sess.ACR, sess.AMR, sess.AAL = now, acr, a.AMR, a.AAL
	cookie := sess.cookie
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	p.issueCode(w, r, req, sess, fmt.Sprintf("%s: %s (%s) with %s, acr %s (AAL%d)", how, u.Name, u.UID, a.Name, acr, a.AAL))
}

// grant is an authorization code waiting to be exchanged.
type grant struct {
	req     authRequest
	sess    *Session
	fault   Fault
	authAt  time.Time
	expires time.Time
}

// issueCode redirects to the application with a fresh code; the next queued fault, if any,
// goes into this sign-in's ID token.
func (p *Provider) issueCode(w http.ResponseWriter, r *http.Request, req authRequest, sess *Session, plain string) {
	code := randomID()
	p.mu.Lock()
	f := p.takeFault()
	p.signIns++
	sess.SignIns++
	sess.Fault, sess.Verdict, sess.judged = string(f), "", false
	p.grants[code] = &grant{req: req, sess: sess, fault: f, authAt: sess.AuthTime, expires: p.now().Add(codeLifetime)}
	for c, g := range p.grants {
		if p.now().After(g.expires) {
			delete(p.grants, c)
		}
	}
	sid := sess.SID
	p.mu.Unlock()
	if st, ok := r.Context().Value(browserKey{}).(*browserState); ok && st != nil {
		st.sid = sid
	}
	v := url.Values{"code": {code}}
	if req.state != "" {
		v.Set("state", req.state)
	}
	http.Redirect(w, r, withQuery(req.redirectURI, v), http.StatusFound)
	if f != "" {
		what, _ := f.Info()
		plain += "; fault " + string(f) + " goes into this sign-in's ID token (" + what + ")"
	}
	p.record(Event{Endpoint: Authorize, Method: r.Method, Path: r.URL.Path, Status: http.StatusFound, Outcome: OK,
		SID: sid, Fault: string(f), Plain: plain + "; code sent to " + sanitize.Clean(req.redirectURI)})
}
