package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Faults switch the sandbox's relying party into the broken behaviours the live checks must
// catch. The zero value is a relying party that does everything right.
type Faults struct {
	// BCLAcceptsAll: the back-channel logout endpoint answers 200 to any token, even one it
	// cannot have verified.
	BCLAcceptsAll bool
	// BCLKeepsSession: the back-channel logout endpoint validates the token and answers 200,
	// but the session lives on. Only a sign-in and a logout show it (the sim's tests), not the
	// live checks, so it has no --fault name: demo would pass with it on.
	BCLKeepsSession bool
	// IDTokenUnchecked: the callback reads the ID token's claims without validating them
	// (no --fault name, for the same reason).
	IDTokenUnchecked bool
	// BCLAcceptsAlgNone: the logout endpoint checks every claim but takes an unsigned
	// (alg none) token as valid: the verifier lets the token choose its algorithm.
	BCLAcceptsAlgNone bool
	// BCLKeyConfusion: the logout endpoint also accepts HS256, keyed with CIS2's public key in
	// PEM, as a verifier that hands "the key" to whatever algorithm the token names does.
	BCLKeyConfusion bool
	// BCLSkipsSignature: the logout endpoint checks the claims but not the signature.
	BCLSkipsSignature bool
	// JWKSLeaksPrivate: the JWKS publishes the private key members (d, p, q, dp, dq, qi).
	JWKSLeaksPrivate bool
	// JWKSNoKID: the JWKS's only key has no kid (RFC 7517 §4.5 allows it), so no client
	// assertion can name it, as CIS2's key-management guidance expects.
	JWKSNoKID bool
	// JWKSWrongAlg: the JWKS holds only an EC P-256 key (alg ES256), which cannot verify the
	// RS512 the configuration declares; the relying party's RSA key is missing.
	JWKSWrongAlg bool
	// ExpiredCert: the relying party's certificate expired yesterday (its CA is still valid).
	ExpiredCert bool
	// WrongHost: the relying party's certificate names another host.
	WrongHost bool
	// SelfSigned: the relying party's certificate is self-signed, not issued by the sandbox CA.
	SelfSigned bool
	// OldTLS: the relying party speaks only TLS 1.0, which CIS2 refuses.
	OldTLS bool
	// Delay holds every relying party request this long before it is answered.
	Delay time.Duration
	// Hang: the relying party accepts connections and requests but never answers.
	Hang bool
	// Drip: the relying party answers 200 and then sends its body one byte per DripInterval.
	Drip bool
	// DripInterval is the gap between dripped bytes (default one second).
	DripInterval time.Duration

	// The login page's faults: each spoils one part of the authorize request (sandbox/rplogin.go).
	// LoginHTTPRedirect: redirect_uri is http, as built behind a TLS-terminating proxy.
	LoginHTTPRedirect bool
	// LoginINTClientID: client_id is INTClientID, not the production one.
	LoginINTClientID bool
	// LoginNoOpenID: scope lacks openid.
	LoginNoOpenID bool
	// LoginFormPost: response_mode=form_post, which CIS2 withdrew.
	LoginFormPost bool
	// LoginNoNonce: no nonce.
	LoginNoNonce bool
	// LoginUnknownACR: acr_values names a value CIS2 does not offer.
	LoginUnknownACR bool
}

// SlowDelay is what the "slow" fault name sets Delay to.
const SlowDelay = 2 * time.Second

type faultName struct {
	name, help string
	set        func(*Faults)
}

// faultNames maps each --fault name to what it switches on, with a one-line description.
var faultNames = []faultName{
	{"bcl-accepts-all", "logout answers 200 to tokens it cannot have verified", func(f *Faults) { f.BCLAcceptsAll = true }},
	{"bcl-accepts-alg-none", "logout accepts unsigned (alg none) tokens", func(f *Faults) { f.BCLAcceptsAlgNone = true }},
	{"bcl-key-confusion", "logout accepts HS256 keyed with CIS2's public key", func(f *Faults) { f.BCLKeyConfusion = true }},
	{"bcl-skips-signature", "logout checks the claims, not the signature", func(f *Faults) { f.BCLSkipsSignature = true }},
	{"jwks-private", "the JWKS leaks the private key (d, p, q…)", func(f *Faults) { f.JWKSLeaksPrivate = true }},
	{"jwks-no-kid", "the JWKS's only key has no kid", func(f *Faults) { f.JWKSNoKID = true }},
	{"jwks-wrong-alg", "the JWKS holds only an EC key: no RS512", func(f *Faults) { f.JWKSWrongAlg = true }},
	{"expired-cert", "the TLS certificate has expired", func(f *Faults) { f.ExpiredCert = true }},
	{"wrong-host", "the TLS certificate names another host", func(f *Faults) { f.WrongHost = true }},
	{"self-signed", "the TLS certificate is self-signed", func(f *Faults) { f.SelfSigned = true }},
	{"old-tls", "only TLS 1.0", func(f *Faults) { f.OldTLS = true }},
	{"slow", fmt.Sprintf("every answer is delayed %s", SlowDelay), func(f *Faults) { f.Delay = SlowDelay }},
	{"hang", "never answers", func(f *Faults) { f.Hang = true }},
	{"drip", "answers one byte a second", func(f *Faults) { f.Drip = true }},
	{"login-http-redirect-uri", "login sends an http redirect_uri (TLS proxy)", func(f *Faults) { f.LoginHTTPRedirect = true }},
	{"login-int-client-id", "login sends the INT client id", func(f *Faults) { f.LoginINTClientID = true }},
	{"login-no-openid", "login's scope lacks openid", func(f *Faults) { f.LoginNoOpenID = true }},
	{"login-form-post", "login asks for response_mode=form_post", func(f *Faults) { f.LoginFormPost = true }},
	{"login-no-nonce", "login sends no nonce", func(f *Faults) { f.LoginNoNonce = true }},
	{"login-unknown-acr", "login asks for an acr value CIS2 lacks", func(f *Faults) { f.LoginUnknownACR = true }},
}

// FaultNames lists the names ParseFaults accepts, each with what it breaks.
func FaultNames() [][2]string {
	out := make([][2]string, len(faultNames))
	for i, f := range faultNames {
		out[i] = [2]string{f.name, f.help}
	}
	return out
}

// ParseFaults turns --fault names into Faults.
func ParseFaults(names []string) (Faults, error) {
	var f Faults
	for _, n := range names {
		want := strings.ToLower(strings.TrimSpace(n))
		i := slices.IndexFunc(faultNames, func(e faultName) bool { return e.name == want })
		if i < 0 {
			known := make([]string, len(faultNames))
			for j, e := range faultNames {
				known[j] = e.name
			}
			return Faults{}, fmt.Errorf("unknown fault %q: use one of %s", n, strings.Join(known, ", "))
		}
		faultNames[i].set(&f)
	}
	return f, nil
}

// misbehave wraps a relying party handler with the transport-level faults: delay, hang, drip.
// Every wait also ends when the client goes away or the sandbox closes, so Close never hangs.
func (s *Sandbox) misbehave(h http.Handler) http.Handler {
	f := s.opts.Faults
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.Delay > 0 && !s.wait(r, f.Delay) {
			// Cut the connection rather than let net/http send an empty 200 for us.
			panic(http.ErrAbortHandler)
		}
		if f.Hang {
			s.wait(r, -1)
			panic(http.ErrAbortHandler)
		}
		if f.Drip {
			s.drip(w, r, f.DripInterval)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// wait blocks for d (forever when d < 0) and reports whether it ran to the end.
func (s *Sandbox) wait(r *http.Request, d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

// drip sends a plausible JSON body one byte at a time, for as long as the client listens.
func (s *Sandbox) drip(w http.ResponseWriter, r *http.Request, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	body := `{"keys":[` + strings.Repeat(" ", 1<<20)
	for i := 0; i < len(body); i++ {
		if _, err := w.Write([]byte{body[i]}); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		if !s.wait(r, every) {
			panic(http.ErrAbortHandler) // cut the body short, as a dying server would
		}
	}
}
