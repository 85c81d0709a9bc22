package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestFaultBCLAcceptsAll(t *testing.T) {
	s := start(t, Options{Faults: Faults{BCLAcceptsAll: true}})
	code, _, _ := postForm(t, s, s.Config().BackchannelLogoutURI, url.Values{"logout_token": {"bogus"}})
	if code != 200 {
		t.Errorf("bogus token with bcl-accepts-all: %d, want 200", code)
	}
}

func TestFaultJWKSLeaksPrivate(t *testing.T) {
	s := start(t, Options{Faults: Faults{JWKSLeaksPrivate: true}})
	_, _, body := get(t, s, s.Config().JWKSURI)
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := set.Keys[0][m]; !ok {
			t.Errorf("leaky JWKS lacks %q", m)
		}
	}
	// CIS2 would still verify with the public half.
	code, _, res := postForm(t, s, s.TokenEndpoint(), tokenRequest(goodAssertion(s).sign(t)))
	if code != 400 || res["error"] != "invalid_grant" {
		t.Errorf("token endpoint with leaky JWKS: %d %v, want invalid_grant", code, res)
	}
}

func TestFaultJWKSWrongAlg(t *testing.T) {
	s := start(t, Options{Faults: Faults{JWKSWrongAlg: true}})
	_, _, body := get(t, s, s.Config().JWKSURI)
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	if k := set.Keys[0]; k["kty"] != "EC" || k["alg"] != "ES256" || k["kid"] == s.rpKID {
		t.Errorf("wrong-alg JWKS key = %v, want only an EC ES256 key", k)
	}
	code, _, res := postForm(t, s, s.TokenEndpoint(), tokenRequest(goodAssertion(s).sign(t)))
	if code != 400 || res["error"] != "invalid_client" {
		t.Errorf("RS512 assertion against an EC-only JWKS: %d %v, want invalid_client", code, res)
	}
}

// handshake connects to the relying party with the sandbox CA, as a check would.
func handshake(s *Sandbox) error {
	rp, _ := s.Addrs()
	conn, err := tls.Dial("tcp", rp.String(), &tls.Config{ServerName: RPHost, RootCAs: s.RootCAs()})
	if err == nil {
		conn.Close()
	}
	return err
}

func TestFaultCertificates(t *testing.T) {
	if err := handshake(start(t, Options{})); err != nil {
		t.Fatalf("good certificate: %v", err)
	}
	err := handshake(start(t, Options{Faults: Faults{ExpiredCert: true}}))
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		t.Errorf("expired-cert handshake: %v, want an expired certificate error", err)
	}
	err = handshake(start(t, Options{Faults: Faults{WrongHost: true}}))
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("wrong-host handshake: %v, want a hostname error", err)
	}
	err = handshake(start(t, Options{Faults: Faults{SelfSigned: true}}))
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("self-signed handshake: %v, want an unknown authority error", err)
	}
	// Fake CIS2 keeps a good certificate whatever the relying party's faults.
	s := start(t, Options{Faults: Faults{ExpiredCert: true}})
	if code, _, _ := get(t, s, s.DiscoveryURL()); code != 200 {
		t.Errorf("discovery with expired-cert fault: %d", code)
	}
}

// Delay and Hang are observed by a client that gives up long before the sandbox would answer;
// Close must still return while those requests are held.
func TestFaultDelayAndHang(t *testing.T) {
	for name, f := range map[string]Faults{"delay": {Delay: time.Hour}, "hang": {Hang: true}} {
		t.Run(name, func(t *testing.T) {
			s := start(t, Options{Faults: f})
			err := timeoutGet(s, s.Config().JWKSURI, 200*time.Millisecond)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("GET JWKS: %v, want the client's deadline", err)
			}
			// CIS2 is unaffected.
			if code, _, _ := get(t, s, s.DiscoveryURL()); code != 200 {
				t.Errorf("discovery: %d", code)
			}
			held := make(chan error, 1)
			go func() { held <- timeoutGet(s, s.Config().RedirectURIs[0], time.Hour) }()
			time.Sleep(50 * time.Millisecond) // let the request reach the handler (either way Close must end it)
			s.Close()
			if err := <-held; err == nil {
				t.Error("request held by the fault succeeded after Close")
			}
		})
	}
}

func TestFaultDrip(t *testing.T) {
	s := start(t, Options{Faults: Faults{Drip: true, DripInterval: time.Millisecond}})
	resp, err := s.HTTPClient().Get(s.Config().JWKSURI)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("drip status %d", resp.StatusCode)
	}
	first := make([]byte, 9)
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != `{"keys":[` {
		t.Fatalf("first dripped bytes %q, %v", first, err)
	}
	s.Close() // ends the drip: the body must end instead of dripping on
	if _, err := io.Copy(io.Discard, resp.Body); err == nil {
		t.Error("dripped body completed normally; it should be cut off")
	}
}

func TestWrapReplacesEndpoint(t *testing.T) {
	s := start(t, Options{Wrap: func(e Endpoint, h http.Handler) http.Handler {
		if e != JWKS {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>not a JWKS</html>")
		})
	}})
	code, h, body := get(t, s, s.Config().JWKSURI)
	if code != 200 || h.Get("Content-Type") != "text/html" || string(body) != "<html>not a JWKS</html>" {
		t.Errorf("wrapped JWKS: %d %q %q", code, h.Get("Content-Type"), body)
	}
	if code, _, _ := get(t, s, s.Config().RedirectURIs[0]); code != 200 {
		t.Errorf("unwrapped redirect: %d", code)
	}
}

func TestFaultOldTLS(t *testing.T) {
	s := start(t, Options{Faults: Faults{OldTLS: true}})
	if err := handshake(s); err == nil {
		t.Fatal("TLS 1.2+ client agreed a handshake with a TLS 1.0-only server")
	}
	rp, _ := s.Addrs()
	conn, err := tls.Dial("tcp", rp.String(), &tls.Config{ServerName: RPHost, RootCAs: s.RootCAs(), MinVersion: tls.VersionTLS10})
	if err != nil {
		t.Fatalf("TLS 1.0 client: %v", err)
	}
	defer conn.Close()
	if v := conn.ConnectionState().Version; v != tls.VersionTLS10 {
		t.Errorf("negotiated %s, want TLS 1.0", tls.VersionName(v))
	}
}
