package sim

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestEndSession is CIS2's RP-initiated logout: the CIS2 session ends, the application gets
// one back-channel logout (CIS2's token only, no negative ones), and the browser goes back to
// a post_logout_redirect_uri on a registered redirect URI's origin, with the state.
func TestEndSession(t *testing.T) {
	a := newApp(t)
	var mu sync.Mutex
	var got []jwt.MapClaims
	release := make(chan struct{}) // the logout endpoint answers only once the test says so
	bcl := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bcl" {
			<-release
		}
		r.ParseForm()
		c := jwt.MapClaims{}
		jwt.NewParser().ParseUnverified(r.PostForm.Get("logout_token"), c)
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	}))
	defer bcl.Close()
	cfg := pkjConfig(a)
	cfg.BackchannelLogoutURI = bcl.URL + "/bcl"
	p := newProvider(t, Options{Client: cfg, HTTPClient: bcl.Client(), AutoLogin: "555000000001"})
	// Both test servers share httptest's certificate, so one client reaches the JWKS too.
	q, w := authorize(t, p, authorizeParams(verifier))
	cookies := w.Result().Cookies()
	_, body := exchange(t, p, tokenForm(q.Get("code"), a.assertion(t, nil)))
	sid := idClaims(t, p, body["id_token"].(string))["sid"]

	end := url.Values{"id_token_hint": {body["id_token"].(string)}, "post_logout_redirect_uri": {"https://app.sim.test/signed-out"}, "state": {"s1"}}
	r := httptest.NewRequest(http.MethodGet, testOrigin+Realm+"/connect/endSession?"+end.Encode(), nil)
	w = serve(p, r)
	if loc := w.Header().Get("Location"); w.Code != http.StatusFound || loc != "https://app.sim.test/signed-out?state=s1" {
		t.Errorf("endSession: %d → %q, want a redirect to the post-logout URI with the state", w.Code, loc)
	}
	// The session ends at once, before the back-channel logout is delivered: the browser,
	// back at the application, may start a sign-in straight away.
	q, _ = authorize(t, p, authorizeParams(verifier), cookies...)
	_, again := exchange(t, p, tokenForm(q.Get("code"), a.assertion(t, nil)))
	if idClaims(t, p, again["id_token"].(string))["sid"] == sid {
		t.Error("a sign-in right after endSession reused the ending session")
	}
	close(release)
	// CIS2 sends the back-channel logout after the session ends, in the background.
	delivered := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	}
	for deadline := time.Now().Add(10 * time.Second); !delivered() && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	ended := func() bool {
		for _, s := range p.Sessions() {
			if s.SID == sid {
				return !s.Active()
			}
		}
		return false
	}
	mu.Lock()
	if len(got) != 1 || got[0]["sid"] != sid || got[0]["nonce"] != nil || got[0]["events"] == nil {
		t.Errorf("logout tokens delivered: %v; want exactly CIS2's, for sid %v", got, sid)
	}
	mu.Unlock()
	if !ended() {
		t.Error("the CIS2 session is still active after endSession")
	}

	// Another origin's post_logout_redirect_uri is not followed: an open redirect otherwise.
	end.Set("post_logout_redirect_uri", "https://evil.example/after")
	w = serve(p, httptest.NewRequest(http.MethodGet, testOrigin+Realm+"/connect/endSession?"+end.Encode(), nil))
	if w.Code != http.StatusOK || w.Header().Get("Location") != "" || !strings.Contains(lastEvent(p, EndSession).Plain, "not followed") {
		t.Errorf("foreign post_logout_redirect_uri: %d → %q", w.Code, w.Header().Get("Location"))
	}
}

// TestEventsFollow streams events as JSON lines as they happen.
func TestEventsFollow(t *testing.T) {
	p := newProvider(t, Options{Client: &model.Config{ClientID: testClient, RedirectURIs: []string{testRedirect},
		TokenEndpointAuthMethod: model.ClientSecretBasic}, ClientSecret: "x"})
	p.QueueFault(Expired)
	srv := httptest.NewServer(p)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/_sim/events?follow=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/jsonl" {
		t.Errorf("Content-Type %q", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() Event {
		t.Helper()
		done := make(chan bool, 1)
		go func() { done <- lines.Scan() }()
		select {
		case ok := <-done:
			if !ok {
				t.Fatalf("stream ended: %v", lines.Err())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10s")
		}
		var e Event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	if e := next(); e.Seq != 1 || e.Fault != string(Expired) {
		t.Errorf("first line: %+v, want the fault already recorded", e)
	}
	p.ClearFaults()
	if e := next(); e.Seq != 2 || !strings.Contains(e.Plain, "cleared") {
		t.Errorf("streamed line: %+v, want the event that just happened", e)
	}
}
