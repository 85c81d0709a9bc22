package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/model"
)

// Fault is one way the next sign-in's ID token is broken. A relying party must refuse every
// one of them (OpenID Connect Core 1.0 §3.1.3.7, ID Token Validation); accepting one is a
// finding.
type Fault string

// The ID token faults.
const (
	WrongIss     Fault = "wrong-iss"
	WrongAud     Fault = "wrong-aud"
	AlgNone      Fault = "alg-none"
	BadSignature Fault = "bad-signature"
	Expired      Fault = "expired"
	NonceWrong   Fault = "nonce-mismatch"
	UnknownKID   Fault = "unknown-kid"
)

// faultInfo says what a fault does, in plain words, which validation step refuses it, and how
// bad accepting it is.
type faultInfo struct {
	Fault Fault  `json:"fault"`
	What  string `json:"what"` // what the ID token then carries
	Rule  string `json:"rule"` // the relying party's rule it breaks
	// Accepting is the finding when the application accepts the fault. The signature faults
	// are warnings: OIDC Core §3.1.3.7 step 6 lets a client that receives the ID token
	// straight from the token endpoint over TLS rely on TLS instead of the signature (and
	// mod_auth_openidc, among others, takes an unsigned one that way), though NHS's guidance
	// asks relying parties to verify CIS2's signatures with its JWKS.
	Accepting model.Severity `json:"accepting"`
}

// signatureNote is what a warning for a signature fault adds.
const signatureNote = "OIDC Core §3.1.3.7 step 6 lets a client rely on TLS for an ID token it got from the token endpoint, so this is a warning, not a protocol failure; " +
	"NHS asks relying parties to verify CIS2's signatures with CIS2's JWKS (RS256), which would refuse it"

// Faults lists every fault in the order the UI offers them.
var Faults = []faultInfo{
	{WrongIss, "iss is the issuer without its explicit port", "iss must equal the discovery issuer exactly (OIDC Core §3.1.3.7 step 2)", model.Fail},
	{WrongAud, "aud and azp name another client", "aud must contain your client_id (step 3)", model.Fail},
	{AlgNone, `the header says alg "none" and there is no signature`, "the ID token must be signed with the expected alg (steps 6-7)", model.Warn},
	{BadSignature, "the signature is made with another key under CIS2's kid", "the signature must verify with CIS2's published key (step 6)", model.Warn},
	{Expired, "exp passed ten minutes ago", "exp must be in the future (step 9)", model.Fail},
	{NonceWrong, "nonce differs from the one the application sent", "nonce must equal the one sent in the authorization request (step 11)", model.Fail},
	{UnknownKID, "signed by a key whose kid is not in CIS2's JWKS", "the key must come from CIS2's JWKS (step 6)", model.Warn},
}

// FaultNames are the names ParseFault accepts.
func FaultNames() []string {
	names := make([]string, len(Faults))
	for i, f := range Faults {
		names[i] = string(f.Fault)
	}
	return names
}

// ParseFault reads a fault name.
func ParseFault(name string) (Fault, error) {
	f := Fault(strings.ToLower(strings.TrimSpace(name)))
	if !slices.ContainsFunc(Faults, func(i faultInfo) bool { return i.Fault == f }) {
		return "", fmt.Errorf("unknown fault %q: use one of %s", name, strings.Join(FaultNames(), ", "))
	}
	return f, nil
}

// Info describes the fault.
func (f Fault) Info() (what, rule string) {
	i := f.info()
	return i.What, i.Rule
}

// Accepting is the finding when an application accepts the fault.
func (f Fault) Accepting() model.Severity { return f.info().Accepting }

func (f Fault) info() faultInfo {
	for _, i := range Faults {
		if i.Fault == f {
			return i
		}
	}
	return faultInfo{Accepting: model.Fail}
}

// otherClientID names a client that is not the application, for wrong audiences.
const otherClientID = "999999999999.apps.national"

// signIDToken signs claims as CIS2 would, or breaks the token the way f says. claims is
// changed in place, so the event shows exactly what was sent.
func (p *Provider) signIDToken(claims jwt.MapClaims, f Fault) (string, error) {
	now := p.now()
	switch f {
	case WrongIss:
		claims["iss"] = issuerWithoutPort(p.issuer)
	case WrongAud:
		claims["aud"], claims["azp"] = otherClientID, otherClientID
	case Expired:
		claims["iat"] = now.Add(-15 * time.Minute).Unix()
		claims["exp"] = now.Add(-10 * time.Minute).Unix()
	case NonceWrong:
		claims["nonce"] = randomID()
	case AlgNone:
		// at_hash is defined by the signing alg (OIDC Core §3.1.3.6): with none there is none,
		// so a relying party refuses the token for its alg, not for a hash it cannot check.
		delete(claims, "at_hash")
		t := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
		t.Header["typ"] = "JWT"
		return t.SignedString(jwt.UnsafeAllowNoneSignatureType)
	case BadSignature, UnknownKID:
		rk, err := p.keys.rogue()
		if err != nil {
			return "", fmt.Errorf("generate rogue key: %w", err)
		}
		if f == BadSignature { // another key, under CIS2's kid
			return key{signer: rk, kid: p.keys.token.kid, alg: tokenAlg}.sign(claims, "JWT")
		}
		rogue, err := newKey(rk, tokenAlg) // another key, under its own kid
		if err != nil {
			return "", err
		}
		return rogue.sign(claims, "JWT")
	}
	return p.keys.token.sign(claims, "JWT")
}

// issuerWithoutPort is the issuer with its explicit port dropped: the commonest way to get a
// CIS2 issuer wrong, and one a relying party that "normalises" URLs would accept.
func issuerWithoutPort(issuer string) string {
	rest, ok := strings.CutPrefix(issuer, "https://")
	if !ok {
		return issuer + "/other"
	}
	hostport, path, _ := strings.Cut(rest, "/")
	host := hostport
	if i := strings.LastIndex(hostport, ":"); i >= 0 && !strings.HasSuffix(hostport, "]") {
		host = hostport[:i]
	}
	if host == hostport {
		return "https://" + host + ":443/" + path
	}
	return "https://" + host + "/" + path
}

// QueueFault adds f for the next sign-in without a fault of its own.
func (p *Provider) QueueFault(f Fault) {
	p.mu.Lock()
	p.faults = append(p.faults, f)
	q := slices.Clone(p.faults)
	p.mu.Unlock()
	what, _ := f.Info()
	p.record(Event{Endpoint: Admin, Outcome: Info, Fault: string(f),
		Plain: fmt.Sprintf("fault %s armed for the next sign-in (%s); queue: %s", f, what, faultList(q))})
}

// ClearFaults empties the queue.
func (p *Provider) ClearFaults() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
	p.record(Event{Endpoint: Admin, Outcome: Info, Plain: "fault queue cleared: the next sign-ins are normal"})
}

// QueuedFaults lists the faults waiting for a sign-in.
func (p *Provider) QueuedFaults() []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.faults)
}

// takeFault pops the next fault (mu held).
func (p *Provider) takeFault() Fault {
	if len(p.faults) == 0 {
		return ""
	}
	f := p.faults[0]
	p.faults = p.faults[1:]
	return f
}

func faultList(q []Fault) string {
	if len(q) == 0 {
		return "empty"
	}
	s := make([]string, len(q))
	for i, f := range q {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}
