package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
)

// The provider's browser signs in through the application the way a person's browser does:
// it opens the protected URL, follows the application's redirect to authorize, signs in as a
// test user, follows the code back to the application's callback, and keeps every cookie the
// application sets. Only with those cookies can the provider tell whether the application
// accepted a faulty ID token, or really ended a session on a back-channel logout.

// browserKey marks a request the provider's browser makes to the provider itself (served in
// process, never over the network), with the state of that sign-in.
type browserKey struct{}

type browserState struct {
	uid string
	sid string // set by the sign-in
}

// maxHops bounds a sign-in's redirects: application → authorize → callback → page, with
// room for an application that bounces through a login page or two.
const maxHops = 12

// Hop is one request of a browser sign-in. URL has no query: a callback's carries the code.
type Hop struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status"`
}

// BrowserResult is one sign-in through the application.
type BrowserResult struct {
	SID      string         `json:"sid,omitempty"`
	Fault    string         `json:"fault,omitempty"`
	Hops     []Hop          `json:"hops"`
	SignedIn bool           `json:"signed_in"` // the protected URL answered 2xx afterwards
	Finding  model.Severity `json:"finding"`
	Plain    string         `json:"plain"`
}

// ErrNoProtectedURL means the browser has nowhere to start.
var ErrNoProtectedURL = errors.New("no protected URL: start the sim with --protected-url URL (a page of the application that needs a signed-in session)")

// BrowserSignIn signs uid in through the application (the next queued fault applies) and
// judges the outcome: a normal sign-in must reach the protected page, a faulty one must not.
func (p *Provider) BrowserSignIn(ctx context.Context, uid string) (BrowserResult, error) {
	if p.opts.ProtectedURL == "" {
		return BrowserResult{}, ErrNoProtectedURL
	}
	if uid == "" {
		uid = p.opts.Users[0].UID
		if p.opts.AutoLogin != "" {
			uid = p.opts.AutoLogin
		}
	}
	if findUser(p.opts.Users, uid) == nil {
		return BrowserResult{}, fmt.Errorf("%q is not a test user: use one of %s", uid, userIDs(p.opts.Users))
	}
	jar, _ := cookiejar.New(nil)
	st := &browserState{uid: uid}
	hc := p.browserClient(jar, st)
	res := BrowserResult{}
	next, method := p.opts.ProtectedURL, http.MethodGet
	authorizes := 0
	for len(res.Hops) < maxHops {
		u, err := url.Parse(next)
		if err != nil {
			return res, fmt.Errorf("redirect to %q: %w", next, err)
		}
		if p.isAuthorize(u) {
			if authorizes++; authorizes > 1 {
				break // the application started a new sign-in: it did not keep the first
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, next, nil)
		if err != nil {
			return res, err
		}
		asBrowser(req)
		resp, err := hc.Do(req)
		if err != nil {
			res.Hops = append(res.Hops, Hop{Method: method, URL: stripQuery(u)})
			return p.browserVerdict(ctx, res, st, jar, fmt.Errorf("%s %s: %w", method, stripQuery(u), err))
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		res.Hops = append(res.Hops, Hop{Method: method, URL: stripQuery(u), Status: resp.StatusCode})
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			break
		}
		target, err := u.Parse(loc)
		if err != nil {
			return res, fmt.Errorf("redirect to %q: %w", loc, err)
		}
		next = target.String()
		if resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusPermanentRedirect {
			method = http.MethodGet
		}
	}
	return p.browserVerdict(ctx, res, st, jar, nil)
}

// browserVerdict asks the protected URL whether the sign-in left a session, and judges it.
func (p *Provider) browserVerdict(ctx context.Context, res BrowserResult, st *browserState, jar http.CookieJar, flowErr error) (BrowserResult, error) {
	p.mu.Lock()
	s := p.sessions[st.sid]
	var f Fault
	if s != nil {
		f = Fault(s.Fault)
	}
	p.mu.Unlock()
	res.SID, res.Fault = st.sid, string(f)
	if s == nil {
		res.Finding = model.Fail
		res.Plain = "the application never sent the browser to CIS2's authorize endpoint"
		if flowErr != nil {
			res.Plain += ": " + flowErr.Error()
		}
		p.record(Event{Endpoint: AppPage, Outcome: Failed, Finding: model.Fail, Plain: "sim browser: " + res.Plain})
		return res, nil
	}
	live, status, err := p.sessionLive(ctx, jar)
	res.SignedIn = err == nil && live
	path := hopsText(res.Hops)
	switch {
	case f != "" && res.SignedIn:
		res.Finding = f.Accepting()
		res.Plain = fmt.Sprintf("the application accepted the ID token with %s: its protected page answered %d (%s)", f, status, path)
		p.judgeFault(st.sid, f, true, "the sim's browser reached the protected page")
		p.holdCookies(s, jar, "")
	case f != "":
		res.Finding = model.Pass
		res.Plain = fmt.Sprintf("the application refused the ID token with %s: the protected page answered %d (%s)", f, status, path)
		p.judgeFault(st.sid, f, false, fmt.Sprintf("afterwards its protected page answered %d", status))
	case res.SignedIn:
		res.Finding = model.Pass
		res.Plain = fmt.Sprintf("signed in through the application: its protected page answered %d (%s)", status, path)
		p.holdCookies(s, jar, "signed in through the sim's browser")
	default:
		res.Finding = model.Fail
		res.Plain = fmt.Sprintf("a valid sign-in did not reach the protected page (it answered %d: %s); a relying party that refuses good tokens would also pass every fault", status, path)
		if err != nil {
			res.Plain = "a valid sign-in could not be confirmed: " + err.Error()
		}
		if flowErr != nil {
			res.Plain += "; " + flowErr.Error()
		}
	}
	if f == "" {
		outcome := Passed
		if res.Finding != model.Pass {
			outcome = Failed
		}
		p.record(Event{Endpoint: AppPage, Method: http.MethodGet, Path: p.opts.ProtectedURL, Status: status, SID: st.sid,
			Outcome: outcome, Finding: res.Finding, Plain: "sim browser: " + res.Plain})
	}
	return res, nil
}

// holdCookies keeps the application's cookies of a session it signed in (whatever its ID
// token), so a logout can be confirmed at the protected page; verdict, when set, replaces
// the session's.
func (p *Provider) holdCookies(s *Session, jar http.CookieJar, verdict string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.jar, s.SimBrowser = jar, true
	if verdict != "" {
		s.Verdict = verdict
	}
}

// sessionLive asks the protected URL, with the application's cookies, whether the session is
// alive: 2xx is signed in; a redirect (to sign-in) or 401/403 is not.
func (p *Provider) sessionLive(ctx context.Context, jar http.CookieJar) (bool, int, error) {
	if p.opts.ProtectedURL == "" {
		return false, 0, ErrNoProtectedURL
	}
	ctx, cancel := p.withTimeout(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.opts.ProtectedURL, nil)
	if err != nil {
		return false, 0, err
	}
	asBrowser(req)
	resp, err := p.browserClient(jar, nil).Do(req)
	if err != nil {
		return false, 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300, resp.StatusCode, nil
}

// asBrowser makes a request look like a page load: relying parties (mod_auth_openidc among
// them) answer 401 rather than redirect to sign-in when a request does not accept HTML.
func asBrowser(r *http.Request) {
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	r.Header.Set("User-Agent", "cis2-golive-sim-browser")
}

// browserClient is the provider's HTTP client with a cookie jar, no automatic redirects, and
// requests to the provider itself served in process.
func (p *Provider) browserClient(jar http.CookieJar, st *browserState) *http.Client {
	hc := *p.http
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Jar = jar
	hc.Transport = selfTransport{p: p, base: base, st: st}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

type selfTransport struct {
	p    *Provider
	base http.RoundTripper
	st   *browserState
}

func (t selfTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	own, _ := url.Parse(t.p.opts.Origin)
	if !strings.EqualFold(req.URL.Host, own.Host) || req.URL.Scheme != own.Scheme {
		return t.base.RoundTrip(req)
	}
	rec := httptest.NewRecorder()
	r := req.Clone(req.Context())
	if t.st != nil {
		r = r.WithContext(context.WithValue(req.Context(), browserKey{}, t.st))
	}
	r.RemoteAddr = "127.0.0.1:0"
	r.RequestURI = req.URL.RequestURI()
	t.p.handler.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

func (p *Provider) isAuthorize(u *url.URL) bool {
	own, _ := url.Parse(p.opts.Origin)
	return strings.EqualFold(u.Host, own.Host) && u.Path == Realm+"/authorize"
}

func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

func hopsText(hops []Hop) string {
	parts := make([]string, len(hops))
	for i, h := range hops {
		parts[i] = fmt.Sprintf("%d %s", h.Status, h.URL)
	}
	return strings.Join(parts, " → ")
}
