package checks

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// datedServer answers everything with its clock set off by skew (as its Date header says).
func datedServer(t *testing.T, pki *testPKI, skew time.Duration, host string, body string) string {
	t.Helper()
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/logout" {
			w.WriteHeader(400)
		}
		fmt.Fprint(w, body)
	}), host)
	u, _ := url.Parse(s.URL)
	return "https://" + host + ":" + u.Port()
}

func clientSecretConfig(base string) *model.Config {
	return &model.Config{Environment: model.Production, RedirectURIs: []string{base + "/cb"},
		BackchannelLogoutURI: base + "/logout", TokenEndpointAuthMethod: model.ClientSecretBasic}
}

func TestClockSkewAgainstTheApplication(t *testing.T) {
	pki := newPKI(t)
	tests := []struct {
		name        string
		serverSkew  time.Duration
		localOffset time.Duration
		want        model.Severity
		msg         string
	}{
		{"in step", 0, 0, model.Pass, "within 30s"},
		{"local 45s fast", 0, 45 * time.Second, model.Warn, "s (" + testHost + " behind): 30s or more out"},
		{"server 6 min fast", 6 * time.Minute, 0, model.Fail, "s (" + testHost + " ahead): 5m0s or more out, CIS2 rejects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := datedServer(t, pki, tt.serverSkew, testHost, "")
			opts := pki.testOptions()
			opts.Now = func() time.Time { return time.Now().Add(tt.localOffset) }
			r := runOneCheck(t, clientSecretConfig(base), opts, IDClock, clockTarget)
			wantStatus(t, r, tt.want, tt.msg)
			if r.Status != model.Pass && r.Fix == "" {
				t.Error("no fix")
			}
		})
	}
}

// TestClockSkewAgainstCIS2: with --discovery, CIS2's Date is the reference, and each
// application server's clock is judged against it too (they sign the assertions).
func TestClockSkewAgainstCIS2(t *testing.T) {
	pki := newPKI(t)
	const cis2Host = "cis2.cis2-golive.test"
	var base string
	doc := func() string {
		return fmt.Sprintf(`{"issuer":%q,"token_endpoint":%q}`, base, base+"/token")
	}
	tests := []struct {
		name                 string
		appSkew, localOffset time.Duration
		want                 model.Severity
		msg                  string
	}{
		{"all in step", 0, 0, model.Pass, "this machine's clock is level with CIS2's; " + testHost + "'s clock is level with CIS2's"},
		// Date headers have 1 s resolution: the figure may be a second either way.
		{"this machine 6 min slow", 0, -6 * time.Minute, model.Fail, "behind CIS2's: 5m0s or more out"},
		{"application server 10 min fast", 10 * time.Minute, 0, model.Fail, "ahead of CIS2's: 5m0s or more out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The discovery server's body is built per request, once base is known.
			s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, doc())
			}), cis2Host)
			u, _ := url.Parse(s.URL)
			base = "https://" + cis2Host + ":" + u.Port()
			app := datedServer(t, pki, tt.appSkew, testHost, "")
			opts := pki.testOptions()
			opts.Resolver = mapResolver{testHost: loopback, cis2Host: loopback}
			opts.Discovery = base + "/.well-known/openid-configuration"
			opts.Now = func() time.Time { return time.Now().Add(tt.localOffset) }
			list := Plan(clientSecretConfig(app), opts)
			var r Result
			for _, res := range Run(context.Background(), list, opts, nil) {
				if res.ID == IDClock {
					r = res
				}
			}
			wantStatus(t, r, tt.want, tt.msg)
			if tt.name == "this machine 6 min slow" && !strings.Contains(r.Message, "this machine's clock is 6m") ||
				tt.name == "application server 10 min fast" && !strings.Contains(r.Message, testHost+"'s clock is ") {
				t.Errorf("message %q names the wrong clock", r.Message)
			}
			if r.Evidence["reference"] != "CIS2 ("+cis2Host+")" {
				t.Errorf("reference = %q", r.Evidence["reference"])
			}
		})
	}
}

func TestClockSkewWithNoAnswerSkips(t *testing.T) {
	opts := Options{Timeout: 300 * time.Millisecond, SuiteTimeout: time.Minute, AllowPrivate: true, Resolver: mapResolver{}} // the run's limit is not what it tests
	r := runOneCheck(t, clientSecretConfig("https://nowhere.cis2-golive.test"), opts, IDClock, clockTarget)
	wantStatus(t, r, model.Skip, "no server answered with a Date header")
}

func TestDateSampleSkew(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// The server stamped 10:05:00 (so 10:05:00.000 to .999) during a 200 ms exchange that
	// started at 10:00:00.150 local: its clock is about 5 min ahead.
	s := dateSample{date: t0.Add(5 * time.Minute), sent: t0.Add(150 * time.Millisecond), received: t0.Add(350 * time.Millisecond)}
	if got := s.skew(); got != 5*time.Minute+250*time.Millisecond {
		t.Errorf("skew = %s", got)
	}
	if formatSkew(-90*time.Second) != "-1m30s" || formatSkew(3*time.Second) != "+3s" {
		t.Error("formatSkew")
	}
}

// TestClockSkewReadsACachedAnswer: a cache (a CDN in front of the JWKS, say) keeps the
// origin's Date and says how long it has held the answer in Age (RFC 9111 §4.2.3, §5.1): an
// answer cached 40 minutes is not a clock 40 minutes out.
func TestClockSkewReadsACachedAnswer(t *testing.T) {
	pki := newPKI(t)
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(-40*time.Minute).UTC().Format(http.TimeFormat))
		w.Header().Set("Age", "2400")
		if r.URL.Path == "/logout" {
			w.WriteHeader(400)
		}
	}), testHost)
	u, _ := url.Parse(s.URL)
	r := runOneCheck(t, clientSecretConfig("https://"+testHost+":"+u.Port()), pki.testOptions(), IDClock, clockTarget)
	wantStatus(t, r, model.Pass, "within 30s")
}

func TestServerTime(t *testing.T) {
	date := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	h := http.Header{"Date": {date.Format(http.TimeFormat)}}
	if got, ok := serverTime(h); !ok || !got.Equal(date) {
		t.Errorf("no Age: %s %v", got, ok)
	}
	h.Set("Age", "90")
	if got, ok := serverTime(h); !ok || !got.Equal(date.Add(90*time.Second)) {
		t.Errorf("Age 90: %s %v", got, ok)
	}
	for _, bad := range []string{"-5", "soon", "99999999999999"} {
		h.Set("Age", bad)
		if _, ok := serverTime(h); ok {
			t.Errorf("Age %q was used", bad)
		}
	}
	if _, ok := serverTime(http.Header{}); ok {
		t.Error("no Date was used")
	}
}

// TestClockSkewAllowsForASlowAnswer: a server stamps Date when it answers, anywhere within
// the exchange; an answer that took 6 s can put the estimate 3 s (and the Date's own second)
// off. Only a skew beyond the threshold however the exchange went is reported.
func TestClockSkewAllowsForASlowAnswer(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// Stamped at the very end of a 6 s exchange by a clock 28 s ahead: the midpoint reads 31 s.
	slow := dateSample{date: t0.Add(34 * time.Second), sent: t0, received: t0.Add(6 * time.Second)}
	if got := slow.skew(); got < skewWarn {
		t.Fatalf("the fixture reads %s, want the midpoint to cross %s", got, skewWarn)
	}
	r := judgeClock(map[string]dateSample{"app.test": slow}, "", []string{"app.test"})
	wantStatus(t, r, model.Pass, "within 30s")
	// A prompt answer 40 s ahead is 40 s ahead.
	prompt := dateSample{date: t0.Add(40 * time.Second), sent: t0, received: t0.Add(200 * time.Millisecond)}
	r = judgeClock(map[string]dateSample{"app.test": prompt}, "", []string{"app.test"})
	wantStatus(t, r, model.Warn, "30s or more out")
	// Against CIS2 the two exchanges' uncertainties add up.
	cis2 := dateSample{date: t0, sent: t0, received: t0.Add(200 * time.Millisecond)}
	r = judgeClock(map[string]dateSample{"cis2.test": cis2, "app.test": slow}, "cis2.test", []string{"app.test"})
	wantStatus(t, r, model.Pass, "within 30s")
}

func TestClockSkewSaysWhenASlowAnswerWasAllowedFor(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	slow := dateSample{date: t0.Add(34 * time.Second), sent: t0, received: t0.Add(6 * time.Second)}
	r := judgeClock(map[string]dateSample{"app.test": slow}, "", []string{"app.test"})
	wantStatus(t, r, model.Pass, "differ by 32s (app.test ahead) (within 30s, allowing ±3.5s for answers that were slow to come)")
}
