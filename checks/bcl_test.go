package checks

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/model"
)

func TestBCL(t *testing.T) {
	pki := newPKI(t)
	answer := func(code int, cacheControl string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if cacheControl != "" {
				w.Header().Set("Cache-Control", cacheControl)
			}
			w.WriteHeader(code)
		})
	}
	tests := []struct {
		name string
		h    http.Handler
		want model.Severity
		msg  string
	}{
		{"400 with no-store", answer(400, "no-cache, no-store"), model.Pass, "sets Cache-Control: no-store"},
		{"400 without no-store", answer(400, ""), model.Pass, "does not set Cache-Control: no-store"},
		{"200 accepts anything", answer(200, "no-store"), model.Fail, "accepts tokens it cannot have verified"},
		{"204 accepts anything", answer(204, ""), model.Fail, "accepts tokens it cannot have verified"},
		{"404", answer(404, ""), model.Fail, "nothing is served at this path"},
		{"405", answer(405, ""), model.Fail, "does not accept POST"},
		{"500", answer(500, ""), model.Fail, "fails on an invalid token"},
		{"403 allowlist", answer(403, ""), model.Warn, "inconclusive: the endpoint refused the probe before reading the token — typical of an IP allowlist for CIS2's addresses"},
		{"401 unknown kid", answer(401, ""), model.Warn, "run from an allowlisted host or confirm with NHS"},
		{"302 to login", http.RedirectHandler("/login", http.StatusFound), model.Fail, "does not follow redirects"},
		{"422", answer(422, ""), model.Warn, "says to answer 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pki.server(t, tt.h, testHost)
			u := urlFor(s, "/logout")
			r := runOneCheck(t, pkjwtConfig(u, u, u), pki.testOptions(), IDBCL, "backchannel_logout_uri")
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

// received collects the logout tokens an endpoint was sent (concurrently: the matrix is
// posted at once) and answers each with answer(claims, header).
type received struct {
	mu     sync.Mutex
	tokens []receivedToken
}

type receivedToken struct {
	contentType string
	header      map[string]any
	claims      jwt.MapClaims
	signature   string
}

func (rc *received) handler(t *testing.T, answer func(receivedToken) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PostFormValue("logout_token")
		got := receivedToken{contentType: r.Header.Get("Content-Type"), claims: jwt.MapClaims{}}
		tok, parts, err := jwt.NewParser().ParseUnverified(raw, got.claims)
		if err != nil {
			t.Errorf("logout_token is not a JWT: %v", err)
			w.WriteHeader(400)
			return
		}
		got.header, got.signature = tok.Header, parts[2]
		rc.mu.Lock()
		rc.tokens = append(rc.tokens, got)
		rc.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(answer(got))
	})
}

func always(code int) func(receivedToken) int { return func(receivedToken) int { return code } }

// TestBCLSendsTheMatrix checks what the endpoint receives: ten form-encoded logout tokens, each
// CIS2's claims with exactly one thing wrong, or right claims with a signature CIS2 never made.
func TestBCLSendsTheMatrix(t *testing.T) {
	pki := newPKI(t)
	var rc received
	s := pki.server(t, rc.handler(t, always(400)), testHost)
	u := urlFor(s, "/logout")
	cfg := pkjwtConfig(u, u, u)
	r := runOneCheck(t, cfg, pki.testOptions(), IDBCL, "backchannel_logout_uri")
	wantStatus(t, r, model.Pass, "answered 400 to each of the 10 logout tokens")
	if len(rc.tokens) != 10 {
		t.Fatalf("received %d tokens, want 10", len(rc.tokens))
	}
	kinds := map[string]int{}
	for _, tok := range rc.tokens {
		if tok.contentType != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", tok.contentType)
		}
		c := tok.claims
		events, _ := c["events"].(map[string]any)
		_, hasLogout := events[backchannelLogoutEvent]
		exp, _ := c["exp"].(float64)
		switch {
		case tok.header["alg"] == "none":
			kinds["alg-none"]++
			if tok.signature != "" {
				t.Error("the alg none token carries a signature")
			}
		case tok.header["alg"] == "HS256":
			kinds["hs256"]++
		case c["nonce"] != nil:
			kinds["nonce"]++
		case c["events"] == nil:
			kinds["no-events"]++
		case !hasLogout:
			kinds["wrong-events"]++
		case int64(exp) < time.Now().Unix():
			kinds["expired"]++
		case c["aud"] != cfg.ClientID:
			kinds["wrong-aud"]++
		case c["iss"] != cfg.CIS2().Issuer:
			kinds["wrong-iss"]++
			if c["iss"] != model.CIS2.Environments[model.Integration].Issuer {
				t.Errorf("wrong iss = %v, want INT's issuer for a production configuration", c["iss"])
			}
		default:
			kinds["unknown-key"]++
			if tok.header["alg"] != "RS256" || tok.header["kid"] == nil {
				t.Errorf("header = %v, want RS256 with a kid", tok.header)
			}
		}
	}
	want := map[string]int{"alg-none": 1, "hs256": 2, "nonce": 1, "no-events": 1, "wrong-events": 1, "expired": 1, "wrong-aud": 1, "wrong-iss": 1, "unknown-key": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s tokens, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
	if m := r.Evidence["matrix"]; !strings.Contains(m, "alg-none=400") || !strings.Contains(m, "wrong-iss=400") || strings.Count(m, "=") != 10 {
		t.Errorf("evidence matrix = %q", m)
	}
}

// TestBCLMatrixVerdicts: any 2xx fails naming the token kind; one odd answer is named too.
func TestBCLMatrixVerdicts(t *testing.T) {
	pki := newPKI(t)
	tests := []struct {
		name   string
		answer func(receivedToken) int
		want   model.Severity
		msg    string
	}{
		{"accepts alg none", func(tok receivedToken) int {
			if tok.header["alg"] == "none" {
				return 200
			}
			return 400
		}, model.Fail, "accepts alg none tokens"},
		{"accepts a nonce", func(tok receivedToken) int {
			if tok.claims["nonce"] != nil {
				return 204
			}
			return 400
		}, model.Fail, "accepts tokens carrying a nonce"},
		{"accepts expired and another client's", func(tok receivedToken) int {
			exp, _ := tok.claims["exp"].(float64)
			if int64(exp) < time.Now().Unix() || tok.claims["aud"] == otherClientID {
				return 200
			}
			return 400
		}, model.Fail, "accepts expired tokens, tokens for another client (wrong aud)"},
		{"crashes on missing events", func(tok receivedToken) int {
			if tok.claims["events"] == nil {
				return 500
			}
			return 400
		}, model.Fail, "to the no-events token: answered 500"},
		{"all 403", always(403), model.Warn, "inconclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rc received
			s := pki.server(t, rc.handler(t, tt.answer), testHost)
			u := urlFor(s, "/logout")
			wantStatus(t, runOneCheck(t, pkjwtConfig(u, u, u), pki.testOptions(), IDBCL, "backchannel_logout_uri"), tt.want, tt.msg)
		})
	}
}

// TestBCLVerifyingEndpointPasses runs the matrix against an endpoint that validates logout
// tokens with golang-jwt as a relying party should (its own CIS2 key, RS256 only, every claim).
func TestBCLVerifyingEndpointPasses(t *testing.T) {
	pki := newPKI(t)
	cis2Key, _ := rsa.GenerateKey(rand.Reader, 2048)
	issuer := model.CIS2.Environments[model.Production].Issuer
	var accepted atomic.Int32
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(r.PostFormValue("logout_token"), claims, func(*jwt.Token) (any, error) { return &cis2Key.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuer), jwt.WithAudience("123456789012.apps.supplier"),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		events, _ := claims["events"].(map[string]any)
		if _, ok := events[backchannelLogoutEvent]; err != nil || !ok || claims["nonce"] != nil {
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(400)
			return
		}
		accepted.Add(1)
	}), testHost)
	u := urlFor(s, "/logout")
	wantStatus(t, runOneCheck(t, pkjwtConfig(u, u, u), pki.testOptions(), IDBCL, "backchannel_logout_uri"), model.Pass, "answered 400 to each")
	if accepted.Load() != 0 {
		t.Errorf("the verifying endpoint accepted %d probe tokens", accepted.Load())
	}
}

// TestBCLKeyConfusionUsesCIS2Key: with --discovery, the HS256 rows are keyed with CIS2's
// published key (as its JWKS serves it, and as PEM) and carry its kid, so an endpoint that
// verifies HS256 with that key's bytes is caught.
func TestBCLKeyConfusionUsesCIS2Key(t *testing.T) {
	pki := newPKI(t)
	cis2Key, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwk := jose.JSONWebKey{Key: &cis2Key.PublicKey, KeyID: "cis2/kid+1=", Algorithm: "RS256", Use: "sig"}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	der, _ := x509.MarshalPKIXPublicKey(&cis2Key.PublicKey)
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	const cis2Host = "cis2.cis2-golive.test"
	var base string
	op := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/jwks" {
			w.Write(jwks)
			return
		}
		fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":%q,"jwks_uri":%q}`, base, base+"/token", base+"/jwks")
	}), cis2Host)
	ou, _ := url.Parse(op.URL)
	base = "https://" + cis2Host + ":" + ou.Port()
	var kids []any
	var mu sync.Mutex
	rp := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := jwt.Parse(r.PostFormValue("logout_token"), func(t *jwt.Token) (any, error) {
			mu.Lock()
			kids = append(kids, t.Header["kid"])
			mu.Unlock()
			return pemBytes, nil // the bug: "the key" handed to whatever alg the token names
		}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(base))
		if err != nil {
			w.WriteHeader(400)
		}
	}), testHost)
	u := urlFor(rp, "/logout")
	opts := pki.testOptions()
	opts.Resolver = mapResolver{testHost: loopback, cis2Host: loopback}
	opts.Discovery = base + "/.well-known/openid-configuration"
	r := runOneCheck(t, pkjwtConfig(u, u, u), opts, IDBCL, "backchannel_logout_uri")
	wantStatus(t, r, model.Fail, "accepts HS256 tokens keyed with CIS2's public key in PEM (key confusion)")
	if !strings.Contains(r.Evidence["matrix"], "hs256-pem=200") || !strings.Contains(r.Evidence["hs256_key"], "cis2/kid+1=") {
		t.Errorf("evidence = %v", r.Evidence)
	}
	for _, k := range kids {
		if k != "cis2/kid+1=" {
			t.Errorf("a probe token carried kid %v, want CIS2's", k)
		}
	}
}

func TestBCLPlaceholderClientID(t *testing.T) {
	pki := newPKI(t)
	var rc received
	s := pki.server(t, rc.handler(t, always(400)), testHost)
	u := urlFor(s, "/logout")
	cfg := pkjwtConfig(u, u, u)
	cfg.ClientID = ""
	runOneCheck(t, cfg, pki.testOptions(), IDBCL, "backchannel_logout_uri")
	if len(rc.tokens) != 10 {
		t.Fatalf("received %d tokens, want 10", len(rc.tokens)) // else the loop below checks nothing
	}
	for _, tok := range rc.tokens {
		if aud := tok.claims["aud"]; aud != placeholderClientID && aud != otherClientID {
			t.Errorf("aud = %v, want the placeholder", aud)
		}
	}
}
