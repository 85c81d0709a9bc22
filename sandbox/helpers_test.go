package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func start(t *testing.T, opts Options) *Sandbox {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// get fetches a sandbox URL through the sandbox client and returns status, headers and body.
func get(t *testing.T, s *Sandbox, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := s.HTTPClient().Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, body
}

func postForm(t *testing.T, s *Sandbox, url string, form url.Values) (int, http.Header, map[string]string) {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(url, form)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var fields map[string]string
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &fields); err != nil {
			t.Fatalf("POST %s: body %q is not a JSON object: %v", url, body, err)
		}
	}
	return resp.StatusCode, resp.Header, fields
}

// assertion is a client assertion as a correct relying party signs it; edit may spoil one thing.
type assertion struct {
	claims jwt.MapClaims
	method jwt.SigningMethod
	kid    string
	key    any
}

func goodAssertion(s *Sandbox) *assertion {
	now := time.Now()
	return &assertion{
		claims: jwt.MapClaims{
			"iss": ClientID, "sub": ClientID, "aud": s.TokenEndpoint(),
			"jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		},
		method: jwt.SigningMethodRS512,
		kid:    s.rpKID,
		key:    s.rpKey,
	}
}

func (a *assertion) sign(t *testing.T) string {
	t.Helper()
	tok := jwt.NewWithClaims(a.method, a.claims)
	tok.Header["kid"] = a.kid
	signed, err := tok.SignedString(a.key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func tokenRequest(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"authorization_code"},
		"code":                  {"dummy-code"},
		"redirect_uri":          {"https://" + RPHost + "/auth/cis2/callback"},
		"client_id":             {ClientID},
		"client_assertion_type": {jwtBearer},
		"client_assertion":      {assertion},
	}
}

func throwawayKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// timeoutGet reports the error of a GET bounded by d.
func timeoutGet(s *Sandbox, url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}
