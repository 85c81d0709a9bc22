package sim

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// userinfo is CIS2's userinfo endpoint: the user's claims for the granted scopes, as JSON or,
// when the registration asks for it, as a JWT signed with the registered alg. CIS2's signed
// userinfo has no aud claim (CIS2 change log, 7 May 2021), and neither has this one.
//
// An access token from a sign-in whose ID token carried a fault is the one piece of evidence
// the provider sees by itself that the application accepted that ID token.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	ev := Event{Endpoint: UserInfo, Method: r.Method, Path: r.URL.Path}
	token := ""
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		token = strings.TrimSpace(h[7:])
	} else if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if r.ParseForm() == nil {
			token = r.PostForm.Get("access_token") // RFC 6750 §2.2
		}
	}
	p.mu.Lock()
	is := p.tokens[token]
	var firstUse bool
	var sess Session
	if is != nil && !p.now().After(is.expires) {
		firstUse = !is.used
		is.used = true
		sess = *is.sess
	}
	p.mu.Unlock()
	if is == nil || p.now().After(is.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "The access token provided is expired, revoked, malformed, or invalid for other reasons.")
		ev.Status, ev.Outcome, ev.CIS2 = http.StatusUnauthorized, Refused, "invalid_token"
		ev.Plain = "userinfo without a valid access token (send it as Authorization: Bearer)"
		p.record(ev)
		return
	}
	ev.SID, ev.Fault = sess.SID, string(is.fault)
	claims := userClaims(sess.user, is.scopes)
	alg := p.client.UserinfoSignedResponseAlg
	if alg == "" {
		writeJSON(w, http.StatusOK, claims)
	} else {
		mc := jwt.MapClaims{"iss": p.issuer}
		maps.Copy(mc, claims)
		signed, err := p.keys.userinfo.sign(mc, "JWT")
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the userinfo response")
			return
		}
		w.Header().Set("Content-Type", "application/jwt")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(signed))
	}
	ev.Status, ev.Outcome, ev.Claims = http.StatusOK, OK, claims
	ev.Plain = fmt.Sprintf("userinfo for %s, scopes %s", sess.Name, strings.Join(is.scopes, " "))
	if alg != "" {
		ev.Plain += ", signed " + alg + " (no aud, as CIS2's)"
	}
	p.record(ev)
	if is.fault != "" && firstUse {
		p.judgeFault(sess.SID, is.fault, true, "the application called userinfo with the access token that came with it")
	}
}

// judgeFault records what became of a faulty sign-in, once: the first evidence decides (an
// application that used the sign-in's access token accepted it, whatever it did next).
func (p *Provider) judgeFault(sid string, f Fault, accepted bool, evidence string) {
	p.mu.Lock()
	s := p.sessions[sid]
	if s == nil || s.judged {
		p.mu.Unlock()
		return
	}
	s.judged = true
	p.mu.Unlock()
	what, rule := f.Info()
	verdict := "refused the ID token with " + string(f)
	ev := Event{Endpoint: Token, SID: sid, Fault: string(f), Outcome: Passed, Finding: model.Pass,
		Plain: "the application refused the ID token with " + string(f) + " (" + what + "): " + evidence}
	if accepted {
		verdict = "ACCEPTED the ID token with " + string(f)
		ev.Outcome, ev.Finding = Failed, f.Accepting()
		ev.Plain = "the application accepted an ID token with " + string(f) + " (" + what + "): " + evidence +
			". Fix its ID token validation: " + rule
		if ev.Finding == model.Warn {
			ev.Plain += ". " + signatureNote
		}
	}
	p.mu.Lock()
	s.Verdict = verdict
	p.mu.Unlock()
	p.record(ev)
}

// endSession is CIS2's RP-initiated logout endpoint (connect/endSession): the provider
// session ends, the application gets a back-channel logout, and the browser goes back to the
// application's post_logout_redirect_uri when it shares an origin with a registered
// redirect URI (CIS2 registers no post-logout URIs; which it accepts is unconfirmed).
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	ev := Event{Endpoint: EndSession, Method: r.Method, Path: r.URL.Path}
	var sid string
	if hint := r.URL.Query().Get("id_token_hint"); hint != "" {
		pub, _ := p.TokenKey()
		var c struct {
			jwt.RegisteredClaims
			SID string `json:"sid"`
		}
		// An expired hint still names the session (OIDC RP-Initiated Logout 1.0 §2).
		_, err := jwt.ParseWithClaims(hint, &c, func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{tokenAlg}), jwt.WithIssuer(p.issuer), jwt.WithoutClaimsValidation())
		if err == nil {
			sid = c.SID
		}
	}
	if sid == "" {
		if s := p.sessionFor(r); s != nil {
			sid = s.SID
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true})
	next := r.URL.Query().Get("post_logout_redirect_uri")
	if next != "" && !p.sameOriginAsRedirect(next) {
		ev.Plain = fmt.Sprintf("post_logout_redirect_uri %q shares no origin with a registered redirect URI: not followed", sanitize.Clean(next))
		next = ""
	}
	if next != "" {
		if st := r.URL.Query().Get("state"); st != "" {
			next = withQuery(next, url.Values{"state": {st}})
		}
		http.Redirect(w, r, next, http.StatusFound)
		ev.Status = http.StatusFound
	} else {
		w.Header().Set("Cache-Control", "no-store")
		render(w, http.StatusOK, "signedout", "You can close this window.")
		ev.Status = http.StatusOK
	}
	ev.Outcome, ev.SID = OK, sid
	if sid == "" {
		ev.Plain = strings.TrimPrefix(ev.Plain+"; no session to end", "; ")
		p.record(ev)
		return
	}
	ev.Plain = strings.TrimPrefix(ev.Plain+"; the application asked CIS2 to end the session", "; ")
	p.record(ev)
	// The session ends now, so a sign-in the browser starts straight away cannot reuse it;
	// CIS2 sends its back-channel logout afterwards, not within this request.
	p.endSessionAt(sid)
	p.background(func(ctx context.Context) { p.Logout(ctx, sid, LogoutOptions{}) })
}

func (p *Provider) sameOriginAsRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	for _, reg := range p.client.RedirectURIs {
		if ru, err := url.Parse(reg); err == nil && ru.Scheme == u.Scheme && ru.Host == u.Host {
			return true
		}
	}
	return false
}
