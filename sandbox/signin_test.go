package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sim"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSignInThroughRelyingParty(t *testing.T) {
	s := start(t, Options{})
	res, err := s.CIS2().BrowserSignIn(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignedIn || res.Finding != model.Pass || res.SID == "" {
		t.Fatalf("sign-in = %+v (relying party refused: %q)", res, s.LastRefusal())
	}
	// The flow went through the relying party's login page, CIS2, the callback and the record.
	var path []string
	for _, h := range res.Hops {
		u, _ := url.Parse(h.URL)
		path = append(path, u.Path)
	}
	want := []string{recordPath, loginPath, sim.Realm + "/authorize", redirectPath(0), recordPath}
	if strings.Join(path, " ") != strings.Join(want, " ") {
		t.Errorf("hops %v, want %v", path, want)
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("relying party has %d sessions, want 1", n)
	}
}

// wantRefusal is what the relying party's refusal must mention for each fault: proof it
// refused for the fault's reason, not by accident.
var wantRefusal = map[sim.Fault]string{
	sim.WrongIss:     "issuer",
	sim.WrongAud:     "audience",
	sim.AlgNone:      "signing method",
	sim.BadSignature: "verification error",
	sim.Expired:      "expired",
	sim.NonceWrong:   "nonce",
	sim.UnknownKID:   "not in CIS2's JWKS",
}

func TestRelyingPartyRefusesEveryIDTokenFault(t *testing.T) {
	s := start(t, Options{})
	op := s.CIS2()
	for _, f := range sim.Faults {
		t.Run(string(f.Fault), func(t *testing.T) {
			op.QueueFault(f.Fault)
			res, err := op.BrowserSignIn(ctxT(t), "")
			if err != nil {
				t.Fatal(err)
			}
			if res.SignedIn || res.Finding != model.Pass || res.Fault != string(f.Fault) {
				t.Errorf("sign-in with %s = %+v, want refused", f.Fault, res)
			}
			if why := s.LastRefusal(); !strings.Contains(why, wantRefusal[f.Fault]) {
				t.Errorf("relying party refused because %q, want a reason mentioning %q", why, wantRefusal[f.Fault])
			}
			if !hasEvent(op, func(e sim.Event) bool {
				return e.Fault == string(f.Fault) && e.Finding == model.Pass && strings.Contains(e.Plain, "refused")
			}) {
				t.Errorf("no event says the application refused %s", f.Fault)
			}
		})
	}
	if s.Sessions() != 0 {
		t.Errorf("relying party has %d sessions after only faulty sign-ins", s.Sessions())
	}
	// After the faults, a normal sign-in still works: the refusals were not blanket ones.
	if res, err := op.BrowserSignIn(ctxT(t), ""); err != nil || !res.SignedIn {
		t.Errorf("normal sign-in after the faults: %+v %v", res, err)
	}
}

// TestSimReportsRelyingPartyThatAcceptsFaults: accepting a wrong iss, aud, exp or nonce fails;
// accepting a signature fault is a warning (see sim.Faults on OIDC Core §3.1.3.7 step 6).
func TestSimReportsRelyingPartyThatAcceptsFaults(t *testing.T) {
	s := start(t, Options{Faults: Faults{IDTokenUnchecked: true}})
	op := s.CIS2()
	for _, f := range sim.Faults {
		op.QueueFault(f.Fault)
		res, err := op.BrowserSignIn(ctxT(t), "")
		if err != nil {
			t.Fatal(err)
		}
		if !res.SignedIn || res.Finding != f.Accepting {
			t.Errorf("%s against a relying party that checks nothing: %+v, want accepted (a %s finding)", f.Fault, res, f.Accepting)
		}
		if !hasEvent(op, func(e sim.Event) bool {
			return e.Fault == string(f.Fault) && e.Finding == f.Accepting && strings.Contains(e.Plain, "accepted")
		}) {
			t.Errorf("no finding event for %s", f.Fault)
		}
	}
}

func TestBackChannelLogoutEndsTheSession(t *testing.T) {
	s := start(t, Options{})
	op := s.CIS2()
	res, err := op.BrowserSignIn(ctxT(t), "555000000002")
	if err != nil || !res.SignedIn {
		t.Fatalf("sign-in: %+v %v", res, err)
	}
	out, err := op.Logout(ctxT(t), res.SID, sim.LogoutOptions{Negative: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Finding != model.Pass || out.Confirmed != "ended" {
		t.Errorf("logout = %+v, want pass and the session ended", out)
	}
	got := map[string]int{}
	for _, d := range out.Deliveries {
		got[d.Token] = d.Status
		if d.Claims["sid"] != res.SID && d.Token == "valid" {
			t.Errorf("valid logout token sid %v, want %s", d.Claims["sid"], res.SID)
		}
		if d.Finding != model.Pass {
			t.Errorf("%s token: answered %d, want %d", d.Token, d.Status, d.Want)
		}
	}
	for _, n := range sim.NegativeLogoutTokens {
		if got[n.Name] != http.StatusBadRequest {
			t.Errorf("negative token %s answered %d, want 400", n.Name, got[n.Name])
		}
	}
	if got["valid"] != http.StatusOK {
		t.Errorf("valid token answered %d, want 200", got["valid"])
	}
	if s.Sessions() != 0 {
		t.Errorf("relying party still has %d sessions", s.Sessions())
	}
	for _, sess := range op.Sessions() {
		if sess.SID == res.SID && sess.Active() {
			t.Error("CIS2's side of the session did not end")
		}
	}
}

func TestBackChannelLogoutFindings(t *testing.T) {
	cases := []struct {
		name      string
		faults    Faults
		negatives model.Severity // worst finding among the negative tokens
		confirmed string
	}{
		{"answers 200 to anything", Faults{BCLAcceptsAll: true}, model.Fail, "still signed in"},
		{"answers 200 but keeps the session", Faults{BCLKeepsSession: true}, model.Pass, "still signed in"},
		// A relying party that checks every claim but not the signature lets anyone who knows
		// a sid end that session: the sim's negative tokens carry the real sid, so it shows.
		{"accepts an unsigned token", Faults{BCLAcceptsAlgNone: true}, model.Fail, "ended"},
		{"skips the signature", Faults{BCLSkipsSignature: true}, model.Fail, "ended"},
		{"takes HS256 keyed with CIS2's public key", Faults{BCLKeyConfusion: true}, model.Fail, "ended"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, Options{Faults: c.faults})
			op := s.CIS2()
			res, err := op.BrowserSignIn(ctxT(t), "")
			if err != nil || !res.SignedIn {
				t.Fatalf("sign-in: %+v %v", res, err)
			}
			out, err := op.Logout(ctxT(t), res.SID, sim.LogoutOptions{Negative: true})
			if err != nil {
				t.Fatal(err)
			}
			worst := model.Pass
			for _, d := range out.Deliveries {
				if d.Token != "valid" && d.Finding == model.Fail {
					worst = model.Fail
				}
			}
			if worst != c.negatives || out.Confirmed != c.confirmed || out.Finding != model.Fail {
				t.Errorf("logout = %+v; want negatives %s, confirmed %q, overall fail", out, c.negatives, c.confirmed)
			}
		})
	}
}

// TestSignInWithLoginHintAndAdminLogout drives the flow as a script does: a plain HTTP client
// with a cookie jar signs in with login_hint, and the admin API logs the session out.
func TestSignInWithLoginHintAndAdminLogout(t *testing.T) {
	s := start(t, Options{})
	jar, _ := cookiejar.New(nil)
	browser := *s.HTTPClient()
	browser.Jar = jar
	rp := strings.TrimSuffix(s.Config().RedirectURIs[0], redirectPath(0))
	resp, err := browser.Get(rp + loginPath + "?login_hint=555000000003")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != recordPath {
		t.Fatalf("sign-in ended at %d %s (refusal %q)", resp.StatusCode, resp.Request.URL, s.LastRefusal())
	}
	admin := strings.TrimSuffix(s.Issuer(), sim.Realm) + "/_sim/"
	var sessions []sim.Session
	getJSON(t, s, admin+"sessions", &sessions)
	if len(sessions) != 1 || sessions[0].Sub != "555000000003" || sessions[0].ACR != "AAL2_OR_AAL3_ANY" {
		t.Fatalf("sessions = %+v", sessions)
	}
	resp, err = s.HTTPClient().Post(admin+"logout?sid="+url.QueryEscape(sessions[0].SID), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out sim.LogoutResult
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(out.Deliveries) != 1+len(sim.NegativeLogoutTokens) {
		t.Fatalf("admin logout: %d %+v", resp.StatusCode, out)
	}
	// The session ended: the record sends the browser to sign in again.
	noFollow := browser
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = noFollow.Get(rp + recordPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != loginPath {
		t.Errorf("record after logout: %d → %q, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), loginPath)
	}
}

func getJSON(t *testing.T, s *Sandbox, u string, v any) {
	t.Helper()
	resp, err := s.HTTPClient().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func hasEvent(op *sim.Provider, match func(sim.Event) bool) bool {
	for _, e := range op.Events(0) {
		if match(e) {
			return true
		}
	}
	return false
}

// BenchmarkSignInThroughRelyingParty measures one whole sign-in through the sandbox relying
// party with the sim's browser: login page, authorize, the private_key_jwt token exchange
// (with a JWKS fetch), ID token validation, signed userinfo, and the protected page.
func BenchmarkSignInThroughRelyingParty(b *testing.B) {
	s, err := Start(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for b.Loop() {
		if res, err := s.CIS2().BrowserSignIn(ctx, ""); err != nil || !res.SignedIn {
			b.Fatalf("sign-in: %+v %v", res, err)
		}
	}
}

// TestLogoutConfirmedAfterAnAcceptedFault: a session the application kept though its ID token
// was faulty is still a session; its logout is confirmed at the protected page like any other,
// and only a session the sim's browser holds a cookie for is marked so.
func TestLogoutConfirmedAfterAnAcceptedFault(t *testing.T) {
	s := start(t, Options{Faults: Faults{IDTokenUnchecked: true}})
	op := s.CIS2()
	op.QueueFault(sim.WrongAud)
	res, err := op.BrowserSignIn(ctxT(t), "")
	if err != nil || !res.SignedIn || res.Finding != model.Fail {
		t.Fatalf("sign-in with wrong-aud at a relying party that checks nothing: %+v %v", res, err)
	}
	for _, sess := range op.Sessions() {
		if sess.SID == res.SID && !sess.SimBrowser {
			t.Error("the session the sim's browser holds a cookie for is not marked sim_browser")
		}
	}
	out, err := op.Logout(ctxT(t), res.SID, sim.LogoutOptions{})
	if err != nil || out.Confirmed != "ended" || out.Finding != model.Pass {
		t.Errorf("logout after an accepted fault = %+v %v, want the end confirmed", out, err)
	}

	// A refused sign-in leaves no application session: the sim holds no cookie worth checking.
	s = start(t, Options{})
	op = s.CIS2()
	op.QueueFault(sim.Expired)
	res, err = op.BrowserSignIn(ctxT(t), "")
	if err != nil || res.SignedIn {
		t.Fatalf("sign-in with expired: %+v %v", res, err)
	}
	for _, sess := range op.Sessions() {
		if sess.SID == res.SID && sess.SimBrowser {
			t.Error("a refused sign-in is marked sim_browser, so the UI promises a confirmed logout")
		}
	}
	out, err = op.Logout(ctxT(t), res.SID, sim.LogoutOptions{})
	if err != nil || !strings.Contains(out.Confirmed, "POST /_sim/signin") || strings.Contains(out.Confirmed, "give --protected-url") {
		t.Errorf("logout of a refused sign-in: %q %v, want it to say how to get a confirmable session", out.Confirmed, err)
	}
}
