package sim

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/model"
)

// backchannelLogoutEvent is the events member that makes a JWT a logout token.
const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutTyp is the logout token's typ header. BCL 1.0 §2.4 recommends "logout+jwt"; what CIS2
// (ForgeRock AM) sends is unconfirmed, and AM marks its other JWTs "JWT", so the provider
// sends "JWT": a relying party that insists on "logout+jwt" would break on CIS2 too.
const logoutTyp = "JWT"

// negativeLogout is a logout token the application must refuse with 400 (BCL 1.0 §2.6, §2.8).
// Each carries the session's real sid, so an application that acts on one ends the session.
type negativeLogout struct {
	Name, What string
	edit       func(p *Provider, c jwt.MapClaims)
	// sign, when set, signs the token instead of CIS2's key: the signature is what is wrong.
	sign func(p *Provider, c jwt.MapClaims) (string, error)
}

// NegativeLogoutTokens are the invalid logout tokens the provider sends before the valid one:
// a wrong claim each (BCL 1.0 §2.6 steps 3-5), then signatures CIS2 never made (step 3
// validates the signature as for an ID token, and a logout token comes to the application
// from anyone who can reach it, so OIDC Core §3.1.3.7 step 6's TLS exception does not apply).
var NegativeLogoutTokens = []negativeLogout{
	{"other-aud", "aud is another client's id", func(_ *Provider, c jwt.MapClaims) { c["aud"] = otherClientID }, nil},
	{"wrong-iss", "iss is the issuer without its explicit port", func(p *Provider, c jwt.MapClaims) { c["iss"] = issuerWithoutPort(p.issuer) }, nil},
	{"with-nonce", "it carries a nonce, which a logout token must not (BCL 1.0 §2.4)", func(_ *Provider, c jwt.MapClaims) { c["nonce"] = randomID() }, nil},
	{"no-events", "it has no events claim, so it is not a logout token", func(_ *Provider, c jwt.MapClaims) { delete(c, "events") }, nil},
	{"expired", "its exp passed five minutes ago", func(p *Provider, c jwt.MapClaims) {
		c["iat"], c["exp"] = p.now().Add(-10*time.Minute).Unix(), p.now().Add(-5*time.Minute).Unix()
	}, nil},
	{"alg-none", "it is unsigned (alg none): anyone could have made it", nil, func(_ *Provider, c jwt.MapClaims) (string, error) {
		t := jwt.NewWithClaims(jwt.SigningMethodNone, c)
		t.Header["typ"] = logoutTyp
		return t.SignedString(jwt.UnsafeAllowNoneSignatureType)
	}},
	{"other-key", "it is signed by a key CIS2 never published, under CIS2's kid", nil, func(p *Provider, c jwt.MapClaims) (string, error) {
		rk, err := p.keys.rogue()
		if err != nil {
			return "", err
		}
		return key{signer: rk, kid: p.keys.token.kid, alg: tokenAlg}.sign(c, logoutTyp)
	}},
	{"hs256-public-key", "it is HS256 keyed with CIS2's public key in PEM (key confusion)", nil, func(p *Provider, c jwt.MapClaims) (string, error) {
		der, err := x509.MarshalPKIXPublicKey(p.keys.token.signer.Public())
		if err != nil {
			return "", err
		}
		t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		t.Header["kid"], t.Header["typ"] = p.keys.token.kid, logoutTyp
		return t.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}},
}

// LogoutOptions tune one logout.
type LogoutOptions struct {
	// Negative first sends NegativeLogoutTokens, each of which must be refused with 400.
	Negative bool
}

// Delivery is one logout token POSTed to the application and what it answered.
type Delivery struct {
	Token   string         `json:"token"` // "valid", or the negative token's name
	What    string         `json:"what"`
	Want    int            `json:"want"`
	Status  int            `json:"status,omitempty"` // 0: no answer
	Error   string         `json:"error,omitempty"`
	Finding model.Severity `json:"finding"`
	Claims  map[string]any `json:"claims"`
}

// LogoutResult is what one logout found.
type LogoutResult struct {
	SID        string     `json:"sid"`
	Deliveries []Delivery `json:"deliveries"`
	// Confirmed is how the session's end was checked at the application's protected URL:
	// "ended", "still signed in", or why it could not be checked.
	Confirmed string         `json:"confirmed"`
	Finding   model.Severity `json:"finding"` // the worst of all
}

// ErrUnknownSession means no session has the sid.
var ErrUnknownSession = errors.New("no such session")

// Logout ends a session at the provider and sends the application its back-channel logout
// token (OIDC Back-Channel Logout 1.0 §2.4: iss, aud, iat, exp, jti, events, sub, sid, no
// nonce; RS256 with CIS2's kid) at the registered backchannel_logout_uri, expecting 200. With
// Negative it first sends the tokens the application must refuse. When the provider's browser
// signed this session in, it then asks the protected URL whether the session really ended.
func (p *Provider) Logout(ctx context.Context, sid string, opts LogoutOptions) (LogoutResult, error) {
	p.mu.Lock()
	s := p.sessions[sid]
	var jar http.CookieJar
	var sub string
	if s != nil {
		jar, sub = s.jar, s.Sub
	}
	p.mu.Unlock()
	if s == nil {
		return LogoutResult{}, fmt.Errorf("%w %q: see GET /_sim/sessions", ErrUnknownSession, sid)
	}
	res := LogoutResult{SID: sid, Finding: model.Pass}
	if p.client.BackchannelLogoutURI == "" {
		p.endSessionAt(sid)
		res.Confirmed = "not checked: backchannel_logout_uri is empty, so CIS2 has nowhere to send the logout"
		res.Finding = model.Warn
		p.record(Event{Endpoint: AppLogout, SID: sid, Outcome: Info, Finding: model.Warn, Plain: "session ended at CIS2; " + res.Confirmed})
		return res, nil
	}
	if opts.Negative {
		for _, n := range NegativeLogoutTokens {
			c := p.logoutClaims(sub, sid)
			if n.edit != nil {
				n.edit(p, c)
			}
			res.add(p.deliver(ctx, sid, n.Name, n.What, c, n.signer(p), http.StatusBadRequest))
		}
		if jar != nil {
			if live, _, err := p.sessionLive(ctx, jar); err == nil && !live {
				f := Event{Endpoint: AppPage, SID: sid, Outcome: Failed, Finding: model.Fail,
					Plain: "the session at the application ended after the invalid logout tokens alone: it acts on tokens it must refuse"}
				p.record(f)
				res.Finding = model.Fail
			}
		}
	}
	res.add(p.deliver(ctx, sid, "valid", "the logout token CIS2 sends", p.logoutClaims(sub, sid), p.signLogout, http.StatusOK))
	p.endSessionAt(sid)

	switch {
	case jar == nil && p.opts.ProtectedURL == "":
		res.Confirmed = "not checked: the sim holds no application cookie; start the sim with --protected-url URL and sign in with its browser (the s key, or POST /_sim/signin) to have logouts confirmed"
		p.record(Event{Endpoint: AppPage, SID: sid, Outcome: Info, Plain: "session end " + res.Confirmed})
	case jar == nil:
		res.Confirmed = "not checked: the sim holds no application cookie for this session (it was not signed in through the sim's browser, or the application refused that sign-in); sign in with the sim's browser (the s key, or POST /_sim/signin) to have a logout confirmed"
		p.record(Event{Endpoint: AppPage, SID: sid, Outcome: Info, Plain: "session end " + res.Confirmed})
	default:
		live, status, err := p.sessionLive(ctx, jar)
		ev := Event{Endpoint: AppPage, Method: http.MethodGet, Path: p.opts.ProtectedURL, Status: status, SID: sid}
		switch {
		case err != nil:
			res.Confirmed = "not checked: the protected URL did not answer: " + err.Error()
			ev.Outcome, ev.Finding = Failed, model.Warn
			res.worst(model.Warn)
		case live:
			res.Confirmed = "still signed in"
			ev.Outcome, ev.Finding = Failed, model.Fail
			res.worst(model.Fail)
		default:
			res.Confirmed = "ended"
			ev.Outcome, ev.Finding = Passed, model.Pass
		}
		ev.Plain = fmt.Sprintf("after the logout the protected URL answered %d: session %s", status, res.Confirmed)
		p.record(ev)
	}
	return res, nil
}

func (r *LogoutResult) add(d Delivery) {
	r.Deliveries = append(r.Deliveries, d)
	r.worst(d.Finding)
}

func (r *LogoutResult) worst(s model.Severity) {
	rank := map[model.Severity]int{model.Pass: 0, model.Skip: 0, model.Warn: 1, model.Fail: 2}
	if rank[s] > rank[r.Finding] {
		r.Finding = s
	}
}

// endSessionAt ends the provider's side of the session.
func (p *Provider) endSessionAt(sid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.sessions[sid]; s != nil && s.Active() {
		s.Ended = p.now()
		delete(p.cookies, s.cookie)
	}
}

// logoutClaims are a valid logout token's claims for the session.
func (p *Provider) logoutClaims(sub, sid string) jwt.MapClaims {
	now := p.now()
	return jwt.MapClaims{
		"iss": p.issuer, "aud": p.client.ClientID,
		"iat": now.Unix(), "exp": now.Add(logoutLifetime).Unix(), "jti": randomID(),
		"sub": sub, "sid": sid,
		"events": map[string]any{backchannelLogoutEvent: map[string]any{}},
	}
}

// signLogout signs a logout token as CIS2 does: RS256 with its published key and kid.
func (p *Provider) signLogout(c jwt.MapClaims) (string, error) {
	return p.keys.token.sign(c, logoutTyp)
}

// signer is how the negative token is signed: CIS2's key unless its signature is the fault.
func (n negativeLogout) signer(p *Provider) func(jwt.MapClaims) (string, error) {
	if n.sign == nil {
		return p.signLogout
	}
	return func(c jwt.MapClaims) (string, error) { return n.sign(p, c) }
}

// deliver POSTs one logout token to the application and judges the answer against want.
// Redirects are not followed: a logout endpoint answers, it does not send CIS2 elsewhere.
func (p *Provider) deliver(ctx context.Context, sid, name, what string, claims jwt.MapClaims, sign func(jwt.MapClaims) (string, error), want int) Delivery {
	d := Delivery{Token: name, What: what, Want: want, Claims: maps.Clone(claims)}
	ev := Event{Endpoint: AppLogout, Method: http.MethodPost, Path: p.client.BackchannelLogoutURI, SID: sid, Claims: d.Claims}
	defer func() {
		ev.Status, ev.Finding = d.Status, d.Finding
		ev.Outcome = Passed
		if d.Finding != model.Pass {
			ev.Outcome = Failed
		}
		p.record(ev)
	}()
	raw, err := sign(claims)
	if err != nil {
		d.Error, d.Finding = "could not sign: "+err.Error(), model.Fail
		ev.Plain = d.Error
		return d
	}
	ctx, cancel := p.withTimeout(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.client.BackchannelLogoutURI,
		strings.NewReader(url.Values{"logout_token": {raw}}.Encode()))
	if err != nil {
		d.Error, d.Finding = err.Error(), model.Fail
		ev.Plain = "backchannel_logout_uri is not a URL: " + err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := *p.http
	hc.Jar = nil // CIS2 posts from its servers: no browser cookies
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		d.Error, d.Finding = err.Error(), model.Fail
		ev.Plain = fmt.Sprintf("%s logout token (%s): no answer: %v", name, what, err)
		return d
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 16<<10))
	resp.Body.Close()
	d.Status = resp.StatusCode
	d.Finding, ev.Plain = judgeLogoutAnswer(name, what, resp.StatusCode, want)
	return d
}

// judgeLogoutAnswer reads the application's answer to a logout token (BCL 1.0 §2.8: 200 for
// a logout done, 400 for a token it refuses).
func judgeLogoutAnswer(name, what string, got, want int) (model.Severity, string) {
	said := fmt.Sprintf("%s logout token (%s): answered %d, want %d", name, what, got, want)
	switch {
	case got == want:
		return model.Pass, said
	case want == http.StatusBadRequest && got >= 200 && got < 300:
		return model.Fail, said + ": it accepted a token it must refuse, so anyone could log its users out"
	case want == http.StatusBadRequest && (got == 401 || got == 403):
		return model.Warn, said + ": refused, but CIS2 expects 400 (BCL 1.0 §2.8)"
	case want == http.StatusOK && (got == 204 || got == 202):
		return model.Warn, said + ": BCL 1.0 §2.8 says 200; whether CIS2 accepts " + fmt.Sprint(got) + " is unconfirmed"
	case want == http.StatusOK:
		return model.Fail, said + ": the application did not log the session out"
	}
	return model.Warn, said
}
