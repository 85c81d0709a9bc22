package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, c *http.Client, u string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestClientDialsResolvedAddressWithHostName(t *testing.T) {
	pki := newPKI(t)
	var sni string
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sni = r.TLS.ServerName
		io.WriteString(w, "ok")
	}), testHost)
	resp, err := get(t, NewHTTPClient(pki.testOptions()), urlFor(s, "/"))
	if err != nil {
		t.Fatalf("GET via fake name: %v", err)
	}
	if resp.StatusCode != 200 || sni != testHost {
		t.Errorf("status %d, server name %q; want 200 and %q", resp.StatusCode, sni, testHost)
	}
}

func TestClientUnknownNameFails(t *testing.T) {
	pki := newPKI(t)
	_, err := get(t, NewHTTPClient(pki.testOptions()), "https://nowhere.cis2-golive.test/")
	if err == nil || !strings.Contains(describeErr(err), "no such host") {
		t.Fatalf("want a no-such-host error, got %v", err)
	}
}

func TestClientRejectsUntrustedCertificate(t *testing.T) {
	pki := newPKI(t)
	s := pki.server(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), testHost)
	opts := pki.testOptions()
	opts.RootCAs = newPKI(t).pool // a different CA
	_, err := get(t, NewHTTPClient(opts), urlFor(s, "/"))
	if err == nil || !strings.Contains(describeErr(err), "trusted root") {
		t.Fatalf("want an unknown-authority error, got %v", err)
	}
}

func TestClientRedirectCap(t *testing.T) {
	pki := newPKI(t)
	var s *httptest.Server
	s = pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if n == 0 {
			io.WriteString(w, "arrived")
			return
		}
		http.Redirect(w, r, urlFor(s, fmt.Sprintf("/%d", n-1)), http.StatusFound)
	}), testHost)
	c := NewHTTPClient(pki.testOptions())
	if resp, err := get(t, c, urlFor(s, fmt.Sprintf("/%d", MaxRedirects))); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d redirects must be followed: %v", MaxRedirects, err)
	}
	_, err := get(t, c, urlFor(s, fmt.Sprintf("/%d", MaxRedirects+1)))
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("%d redirects: want ErrTooManyRedirects, got %v", MaxRedirects+1, err)
	}
}

func TestClientRefusesHTTPSToHTTP(t *testing.T) {
	pki := newPKI(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the http server must never be called")
	}))
	defer plain.Close()
	s := pki.server(t, http.RedirectHandler(plain.URL, http.StatusFound), testHost)
	_, err := get(t, NewHTTPClient(pki.testOptions()), urlFor(s, "/"))
	if !errors.Is(err, ErrInsecureRedirect) {
		t.Fatalf("want ErrInsecureRedirect, got %v", err)
	}
}

func TestReadBodyCap(t *testing.T) {
	b, err := readBody(strings.NewReader(strings.Repeat("x", 11)), 10)
	if !errors.Is(err, ErrBodyTooLarge) || len(b) != 10 {
		t.Fatalf("11 bytes with limit 10: got %d bytes, err %v", len(b), err)
	}
	b, err = readBody(strings.NewReader(strings.Repeat("x", 10)), 10)
	if err != nil || len(b) != 10 {
		t.Fatalf("10 bytes with limit 10: got %d bytes, err %v", len(b), err)
	}
}

func TestCachingResolverResolvesOnce(t *testing.T) {
	calls := 0
	r := newCachingResolver(resolverFunc(func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		calls++
		return loopback, nil
	}))
	for range 3 {
		if ips, err := r.LookupNetIP(context.Background(), "ip", testHost); err != nil || len(ips) != 1 {
			t.Fatalf("lookup: %v %v", ips, err)
		}
	}
	if calls != 1 {
		t.Errorf("resolver called %d times, want 1 (a name must not be re-resolved mid-run)", calls)
	}
}

// TestDeadlineBodyTurnsLateEOFIntoTimeout: a body that ends cleanly only once the deadline has
// passed is the client giving up on a stalled server, not a complete (short) document.
func TestDeadlineBodyTurnsLateEOFIntoTimeout(t *testing.T) {
	early := &deadlineBody{ReadCloser: io.NopCloser(strings.NewReader(`{"k`)), deadline: time.Now().Add(time.Hour)}
	if b, err := io.ReadAll(early); err != nil || string(b) != `{"k` {
		t.Fatalf("a body ending before the deadline is complete: %q %v", b, err)
	}
	late := &deadlineBody{ReadCloser: io.NopCloser(strings.NewReader(`{"k`)), deadline: time.Now().Add(-time.Millisecond)}
	if _, err := io.ReadAll(late); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a body ending after the deadline must read as the timeout, got %v", err)
	}
}

// TestClientClosesIdleConnections: http.Client.CloseIdleConnections reaches the transports
// through the client's wrappers, so a caller that asks for it frees the connection slots.
func TestClientClosesIdleConnections(t *testing.T) {
	pki := newPKI(t)
	s := pki.server(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), testHost)
	opts := pki.testOptions().withDefaults()
	d := newDialer(opts)
	c := newHTTPClient(opts, d)
	for _, p := range []Priority{Ordinary, Critical} {
		req, _ := http.NewRequestWithContext(withScope(context.Background(), p), http.MethodGet, urlFor(s, "/"), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := d.conns.held[strings.TrimPrefix(urlFor(s, ""), "https://")]; n != 2 {
		t.Fatalf("%d connections open, want one idle per priority", n)
	}
	c.CloseIdleConnections()
	waitFor(t, func() bool { d.conns.mu.Lock(); defer d.conns.mu.Unlock(); return d.conns.nheld == 0 })
}
