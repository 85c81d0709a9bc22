package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sim"
)

// syncBuffer is a buffer the command writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSimCommand runs `sim` without a terminal against a stand-in application on loopback
// TLS: the CA it writes is the one its certificate chains to, a sign-in and a private_key_jwt
// token exchange work, events go to stdout as lines, and a logout the application gets wrong
// (it answers 200 to every logout token) makes the command exit 1.
func TestSimCommand(t *testing.T) {
	key, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.Thumbprint(key)
	pub, _ := keys.PublicJWK(key, "RS512")
	set, _ := keys.MarshalSet([]keys.Key{pub})
	app := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jwks.json" {
			w.Header().Set("Content-Type", "application/json")
			w.Write(set)
			return
		}
		w.WriteHeader(http.StatusOK) // "/bcl": logs out on anything, the bug under test
	}))
	defer app.Close()

	dir := t.TempDir()
	appCA := filepath.Join(dir, "app-ca.pem")
	os.WriteFile(appCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: app.Certificate().Raw}), 0o600)
	cfgPath := filepath.Join(dir, "app.yaml")
	os.WriteFile(cfgPath, []byte("client_id: \"123456789012.apps.supplier\"\n"+
		"redirect_uris: ["+app.URL+"/cb]\nbackchannel_logout_uri: "+app.URL+"/bcl\n"+
		"token_endpoint_auth_method: private_key_jwt\njwks_uri: "+app.URL+"/jwks.json\n"+
		"token_endpoint_auth_signing_alg: RS512\n"), 0o600)

	ios, _, _, _ := Test()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ios.Out, ios.ErrOut = stdout, stderr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runSim(ctx, &SimOptions{IO: ios, ConfigPath: cfgPath, Listen: "127.0.0.1:0", CAOut: filepath.Join(dir, "ca"),
			AppCA: appCA, AutoLogin: "555000000002", Faults: []string{"expired", "wrong-iss"}})
	}()
	var issuer string
	for deadline := time.Now().Add(20 * time.Second); issuer == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(stderr.String(), "\n") {
			issuer, _ = strings.CutPrefix(l, "Issuer: ")
			if issuer != "" {
				break
			}
		}
	}
	if issuer == "" {
		t.Fatalf("no issuer in the banner: %s", stderr)
	}
	if !strings.HasPrefix(issuer, "https://localhost:") || !strings.HasSuffix(issuer, sim.Realm) {
		t.Errorf("issuer %s: want https://localhost:PORT%s", issuer, sim.Realm)
	}
	// An application that does not trust the sim's CA yet: its failed handshake is an event
	// that says what to trust, not silence.
	untrusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if _, err := untrusting.Get(issuer + "/.well-known/openid-configuration"); err == nil {
		t.Fatal("a client without the sim's CA connected")
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca", caFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := client.Get(issuer + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {"123456789012.apps.supplier"},
		"redirect_uri": {app.URL + "/cb"}, "scope": {"openid"}, "state": {"s"}, "nonce": {"n"}}.Encode())
	if err != nil {
		t.Fatalf("authorize over the sim's TLS with its CA: %v", err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"iss": "123456789012.apps.supplier", "sub": "123456789012.apps.supplier",
		"aud": issuer + "/access_token", "jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	tok.Header["kid"] = kid
	assertion, _ := tok.SignedString(key)
	resp, err = client.PostForm(issuer+"/access_token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {app.URL + "/cb"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {assertion}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token exchange: %d", resp.StatusCode)
	}

	admin := strings.TrimSuffix(issuer, sim.Realm) + "/_sim/"
	resp, err = client.Get(admin + "sessions")
	if err != nil {
		t.Fatal(err)
	}
	var sessions []sim.Session
	json.NewDecoder(resp.Body).Decode(&sessions)
	resp.Body.Close()
	if len(sessions) != 1 || sessions[0].Sub != "555000000002" {
		t.Fatalf("sessions: %+v", sessions)
	}
	resp, err = client.Post(admin+"logout?sid="+url.QueryEscape(sessions[0].SID), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	cancel()
	err = <-done
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitFailed {
		t.Errorf("runSim = %v, want exit 1 for the findings", err)
	}
	out := stdout.String()
	for _, want := range []string{"token      200 client authenticated", "app.logout 200 other-aud logout token", "✗ FAIL",
		"a TLS handshake from 127.0.0.1:", "does not trust the sim's certificate: make it trust the CA in " + filepath.Join(dir, "ca", caFile),
		"× failed  tls"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, assertion) || strings.Contains(out, loc.Query().Get("code")) {
		t.Error("a secret reached stdout")
	}
	// The summary on stderr outlives a live view: the findings themselves, the faulty sign-in
	// the sim saw no verdict on (the client never used its tokens), the fault never sent.
	errOut := stderr.String()
	for _, want := range []string{"8 findings to fix before go-live", "other-aud logout token (aud is another client's id): answered 200, want 400",
		"1 faulty sign-in has no verdict", "expired (Sam Jones, 555000000002)", "POST /_sim/signin",
		"still queued, never sent: wrong-iss"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// stallWriter blocks its first write until released, as a slow terminal or pipe does.
type stallWriter struct {
	syncBuffer
	stalled, release chan struct{}
	once             sync.Once
}

func (s *stallWriter) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.stalled); <-s.release })
	return s.syncBuffer.Write(p)
}

// TestSimLinesLosesNoEvent: events that happen while stdout is slow are still printed, in
// order, once it catches up: the plain output is a record a script reads a verdict from.
func TestSimLinesLosesNoEvent(t *testing.T) {
	p, err := sim.New(sim.Options{Origin: "https://localhost:1", ClientSecret: "x", Client: &model.Config{ClientID: "123456789012.apps.supplier",
		RedirectURIs: []string{"https://app.test/cb"}, TokenEndpointAuthMethod: model.ClientSecretBasic}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	out := &stallWriter{stalled: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- simLines(ctx, p, out, nil) }()
	p.ClearFaults() // the first line, which stalls
	<-out.stalled
	const burst = 400 // more than a subscriber's buffer
	for range burst {
		p.QueueFault(sim.Expired)
	}
	close(out.release)
	lines := func() []string { return strings.Split(strings.TrimSpace(out.String()), "\n") }
	for deadline := time.Now().Add(10 * time.Second); len(lines()) < 200 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	p.ClearFaults() // an event after the burst: the one that shows the gap
	want := burst + 2
	for deadline := time.Now().Add(10 * time.Second); len(lines()) < want && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	cancel()
	<-done
	got := lines()
	if len(got) != want {
		t.Fatalf("printed %d lines, want %d (every event once)", len(got), want)
	}
	if !strings.Contains(got[0], "queue cleared") || !strings.Contains(got[want-1], "queue cleared") || !strings.Contains(got[1], "armed") {
		t.Errorf("lines out of order: first %q, second %q, last %q", got[0], got[1], got[want-1])
	}
}

// TestSimHelpMinimalConfigRegisters: the minimal file the help shows is one the sim accepts.
func TestSimHelpMinimalConfigRegisters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(path, []byte(simMinimalConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := model.Load(path)
	if err != nil {
		t.Fatalf("the help's minimal file does not load: %v", err)
	}
	p, err := sim.New(sim.Options{Origin: "https://localhost:9443", Client: cfg})
	if err != nil {
		t.Fatalf("the sim refuses the help's minimal file: %v", err)
	}
	p.Close()
	if !strings.Contains(newCmdSim(&IOStreams{}).Long, simMinimalConfig) {
		t.Error("the help does not show the minimal file")
	}
}

// TestSimAccessibleCommands: with ACCESSIBLE on a terminal, events are plain lines and the
// live view's keys are typed commands; q stops the sim.
func TestSimAccessibleCommands(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "app.yaml")
	os.WriteFile(cfgPath, []byte(simMinimalConfig), 0o600)
	ios, _, _, _ := Test()
	ios.SetTTY(true, true)
	ios.environ = []string{"ACCESSIBLE=1"}
	in, typed := io.Pipe()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ios.In, ios.Out, ios.ErrOut = in, stdout, stderr
	done := make(chan error, 1)
	go func() {
		done <- runSim(context.Background(), &SimOptions{IO: ios, ConfigPath: cfgPath, Listen: "127.0.0.1:0", CAOut: filepath.Join(dir, "ca")})
	}()
	waitFor := func(b *syncBuffer, s string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(b.String(), s); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in:\n%s", s, b)
			}
		}
	}
	waitFor(stderr, "Commands, one a line")
	io.WriteString(typed, "f expired\n")
	waitFor(stderr, "next sign-in: expired")
	waitFor(stdout, "fault expired armed for the next sign-in")
	io.WriteString(typed, "q\n")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("q: runSim = %v, want a clean stop", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("q did not stop the sim")
	}
	typed.Close()
	if !strings.Contains(stderr.String(), "Faults still queued, never sent: expired") {
		t.Errorf("stop summary:\n%s", stderr)
	}
}

func TestSimListenPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, _, err = simListen(busy.Addr().String(), "")
	if err == nil || !strings.Contains(err.Error(), "the port is in use") || !strings.Contains(err.Error(), "--listen 127.0.0.1:0 picks a free one") {
		t.Errorf("listen on a busy port: %v, want what to do about it", err)
	}
}
