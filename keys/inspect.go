package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// Kind is what an inspected document holds.
type Kind string

// The kinds of document Inspect reads.
const (
	KindJWKS       Kind = "jwks"
	KindJWK        Kind = "jwk" // a single JWK, not a set
	KindPrivateKey Kind = "private-key"
	KindPublicKey  Kind = "public-key"
)

// InspectOptions say where a document came from and what its keys must do.
type InspectOptions struct {
	// Source names the file or URL in messages. For a local private key file it is also the
	// path LoadPrivateKey reads, so the file's permissions are checked.
	Source string
	// Remote means the document was fetched from a URL, so it stands where a jwks_uri
	// points: a bare JWK there is refused (CIS2 needs a JWK Set), a private key an alarm.
	Remote bool
	// Algs are the algorithms some key must verify: the declared
	// token_endpoint_auth_signing_alg, or (nil) any CIS2 accepts.
	Algs []string
}

func (o InspectOptions) algs() []string {
	if len(o.Algs) == 0 {
		return model.CIS2.TokenEndpointSigningAlgs
	}
	return o.Algs
}

// Inspection is what a key, JWK or JWK Set holds and what CIS2's rules make of it: the one
// verdict `keys inspect` and the live jwks.* checks share. It is also the JSON shape of
// `keys inspect --format json`; nothing in it is secret.
type Inspection struct {
	Source          string    `json:"source"`
	Kind            Kind      `json:"kind"`
	PrivateMaterial bool      `json:"private_material"`
	Alert           string    `json:"alert,omitempty"` // said first, before anything else
	Keys            []Key     `json:"keys"`
	Problems        []Problem `json:"problems,omitempty"` // every problem, in the order below
	InJWKS          *Match    `json:"in_jwks,omitempty"`
	Failed          bool      `json:"failed"`

	// A set's problems, by the live check that reports them: jwks.public-only, jwks.lint,
	// and the policy that some key verifies the algorithm (jwks.alg-match says it per key).
	PublicOnly, Lint, Usable []Problem `json:"-"`
	// Set is the parsed set (nil for a PEM key).
	Set *Set `json:"-"`

	public crypto.PublicKey // a private key's public half, for MatchJWKS
	algs   []string         // what the key must verify, for MatchJWKS
}

// Match says whether a private key's public half is in a JWKS, and what that JWKS must fix
// before it is published (PublicOnly; a bare JWK at a URL).
type Match struct {
	Source   string    `json:"source"`
	Found    bool      `json:"found"`
	KID      string    `json:"kid,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// Refused reports whether a verifier may refuse the whole set (a jwks.public-only failure):
// checks that would use the set skip rather than pass on keys nobody would accept.
func (ins *Inspection) Refused() bool { return hasFail(ins.PublicOnly) }

// Inspect reads a PEM private or public key, a JWK or a JWK Set and judges it. Errors are for
// input that is none of these (or a private key file others can read).
func Inspect(data []byte, o InspectOptions) (*Inspection, error) {
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return inspectPEM(data, o)
	}
	set, err := ParseSet(data)
	if err != nil {
		return nil, err
	}
	return InspectSet(set, o), nil
}

// InspectSet judges a parsed JWK Set (or single JWK).
func InspectSet(s *Set, o InspectOptions) *Inspection {
	ins := &Inspection{Source: o.Source, Kind: KindJWKS, Keys: s.Keys, Set: s, algs: o.algs()}
	for _, k := range s.Keys {
		ins.PrivateMaterial = ins.PrivateMaterial || k.HasPrivate()
	}
	if s.Single {
		ins.Kind = KindJWK
		if ins.PrivateMaterial {
			// A private JWK is a private key in JSON form: report it like a PEM key, not as
			// a JWKS that leaks.
			k := s.Keys[0]
			ins.Kind, ins.public = KindPrivateKey, k.Public
			ins.Alert = fmt.Sprintf("PRIVATE KEY (JWK with %s): keep it secret; publish only its public half, in a JWK Set.",
				strings.Join(k.PrivateMembers, ", "))
			ins.add(singleKeyProblems(k, o.algs())...)
			return ins
		}
	}
	ins.PublicOnly = PublicOnly(s)
	ins.Lint = Lint(s, o.algs())
	ins.Usable = Usable(s, o.algs())
	if s.Single {
		ins.Usable = append(ins.Usable, notASet(o.Remote))
	}
	ins.add(slices.Concat(ins.PublicOnly, ins.Lint, ins.Usable)...)
	ins.Alert = leakAlert(s, "THIS JWKS")
	return ins
}

// notASet is the finding for a bare JWK: at a jwks_uri it fails, as jwks.fetch does (a JWKS
// URI serves a JWK Set, RFC 7517 §5); in a local file it may be a key about to be wrapped.
func notASet(remote bool) Problem {
	p := Problem{RuleNotASet, "", model.Warn, "this is a single JWK; a JWKS URI must serve a JWK Set",
		`wrap it: {"keys": [ ...this key... ]}`}
	if remote {
		p.Severity = model.Fail
		p.Message = "this URL serves a single JWK, not a JWK Set: CIS2 reads a jwks_uri as a JWK Set (RFC 7517 §5)"
	}
	return p
}

func (ins *Inspection) add(ps ...Problem) {
	ins.Problems = append(ins.Problems, ps...)
	ins.Failed = ins.Failed || hasFail(ps)
}

func hasFail(ps []Problem) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == model.Fail })
}

// inspectPEM handles a PEM private or public key. A local private key file goes through
// LoadPrivateKey, so its permissions are checked like everywhere else.
func inspectPEM(data []byte, o InspectOptions) (*Inspection, error) {
	ins := &Inspection{Source: o.Source, algs: o.algs()}
	if !bytes.Contains(data, []byte("PRIVATE KEY-----")) {
		pub, err := ParsePublicKeyPEM(data)
		if err != nil {
			return nil, err
		}
		ins.Kind = KindPublicKey
		ins.Keys = []Key{fromPublic(pub)}
		ins.add(singleKeyProblems(ins.Keys[0], o.algs())...)
		return ins, nil
	}
	var signer crypto.Signer
	var err error
	if o.Remote {
		signer, err = ParsePrivateKeyPEM(data)
		ins.Failed = true
		ins.Alert = "PRIVATE KEY SERVED OVER HTTPS: anyone who fetches " + sanitize.Clean(o.Source) + " can sign as you. Remove it now and replace the key."
	} else {
		signer, err = LoadPrivateKey(o.Source)
	}
	if err != nil {
		return nil, err
	}
	ins.Kind, ins.PrivateMaterial, ins.public = KindPrivateKey, true, signer.Public()
	ins.Keys = []Key{fromPublic(signer.Public())}
	ins.add(singleKeyProblems(ins.Keys[0], o.algs())...)
	return ins, nil
}

// fromPublic describes a PEM key as a Key, so one key reads the same in every form.
func fromPublic(pub crypto.PublicKey) Key {
	k := Key{Public: pub}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		k.Kty, k.Bits = "RSA", p.N.BitLen()
	case *ecdsa.PublicKey:
		k.Kty, k.Crv, k.Bits = "EC", p.Curve.Params().Name, p.Curve.Params().BitSize
	case ed25519.PublicKey:
		k.Kty, k.Crv, k.Bits = "OKP", "Ed25519", 256
	default:
		k.Kty, k.Public = fmt.Sprintf("%T", pub), nil
	}
	var err error
	if k.Thumbprint, err = Thumbprint(pub); err != nil {
		k.Err = err
	}
	return k
}

// singleKeyProblems checks one key against what CIS2 can use: its token endpoint verifies
// client assertions with the algs only (RS256 or RS512, model.CIS2), and an RSA key needs at
// least MinRSABits.
func singleKeyProblems(k Key, algs []string) []Problem {
	if k.Public == nil {
		return nil
	}
	if !k.couldVerify(algs) {
		return []Problem{{RuleNoUsableKey, "", model.Fail,
			fmt.Sprintf("CIS2 accepts only %s (RSA) for client assertions at its token endpoint; this %s key cannot sign them",
				strings.Join(algs, " or "), k.describe()),
			"create an RSA key: cis2-golive keys new"}}
	}
	switch {
	case k.Kty == "RSA" && k.Bits < MinRSABits:
		return []Problem{{RuleRSATooSmall, "", model.Fail, fmt.Sprintf("RSA %d bits; at least %d are required", k.Bits, MinRSABits),
			"create a 2048-bit or larger key: cis2-golive keys new"}}
	case k.Kty == "RSA" && k.Bits > LargeRSABits:
		p := tooLarge(k)
		p.KID, p.Message = "", fmt.Sprintf("RSA %d bits: valid (RFC 7518 sets no maximum), but verifiers capped at %d bits, such as go-jose, ignore it", k.Bits, LargeRSABits)
		return []Problem{p}
	}
	return nil
}

// MatchJWKS looks for the inspected private key's public half in a JWKS, by RFC 7638
// thumbprint, checks that a verifier would select it for an assertion signed with it (by
// kid, the rule assertion.sign-verify verifies by), and that the JWKS is safe to publish: a private
// key next to the one matched is the worst finding of the run, so it becomes the first alert.
func (ins *Inspection) MatchJWKS(src string, data []byte, remote bool) error {
	if ins.public == nil {
		return fmt.Errorf("%s is not a private key: there is no key to look for in a JWKS", ins.Source)
	}
	set, err := ParseSet(data)
	if err != nil {
		return err
	}
	tp, err := Thumbprint(ins.public)
	if err != nil {
		return err
	}
	m := &Match{Source: src, Problems: PublicOnly(set)}
	if set.Single && remote {
		m.Problems = append(m.Problems, notASet(true))
	}
	k, found := set.ByThumbprint(tp)
	if found {
		m.Found, m.KID = true, k.Label()
		if p := notSelected(set, k, ins.algs); p != nil {
			m.Problems = append(m.Problems, *p)
		}
	}
	ins.Failed = ins.Failed || !found || hasFail(m.Problems)
	if alert := leakAlert(set, "THE JWKS "+sanitize.Clean(src)); alert != "" {
		if ins.Alert != "" {
			alert += "\n" + ins.Alert
		}
		ins.Alert = alert
	}
	ins.InJWKS = m
	return nil
}

// leakAlert is the first-line alarm for a JWKS that holds private members ("" if none).
func leakAlert(set *Set, where string) string {
	var leaks []string
	for _, k := range set.Keys {
		if k.HasPrivate() {
			leaks = append(leaks, fmt.Sprintf("%s (%s)", k.Label(), strings.Join(k.PrivateMembers, ", ")))
		}
	}
	if len(leaks) == 0 {
		return ""
	}
	return "PRIVATE KEY MATERIAL IN " + where + ": " + strings.Join(leaks, "; ") +
		". Never publish it: anyone who fetches it can sign as you."
}

// Cert is what a report shows of one x5c certificate.
type Cert struct {
	Subject  string    `json:"subject"` // sanitised
	NotAfter time.Time `json:"not_after"`
}

// Certs summarises the key's x5c chain, leaf first.
func (k Key) Certs() []Cert {
	var cs []Cert
	for _, c := range k.Certificates {
		cs = append(cs, Cert{Subject: sanitize.Clean(c.Subject.String()), NotAfter: c.NotAfter})
	}
	return cs
}

// MarshalJSON writes what a report may show of a key: its metadata, thumbprint and the names
// of any private members, never Key.JSON (it may hold their values).
func (k Key) MarshalJSON() ([]byte, error) {
	v := struct {
		Index          int      `json:"index"`
		KID            string   `json:"kid,omitempty"`
		Kty            string   `json:"kty"`
		Crv            string   `json:"crv,omitempty"`
		Bits           int      `json:"bits,omitempty"`
		Alg            string   `json:"alg,omitempty"`
		Use            string   `json:"use,omitempty"`
		KeyOps         []string `json:"key_ops,omitempty"`
		Thumbprint     string   `json:"thumbprint,omitempty"`
		PrivateMembers []string `json:"private_members,omitempty"`
		Certificates   []Cert   `json:"certificates,omitempty"`
		Error          string   `json:"error,omitempty"`
	}{k.Index, k.KID, k.Kty, k.Crv, k.Bits, k.Alg, k.Use, k.KeyOps, k.Thumbprint, k.PrivateMembers, k.Certs(), k.ErrorText()}
	return json.Marshal(v)
}

// ErrorText says what is wrong with the key material or its certificate ("" if nothing).
func (k Key) ErrorText() string {
	switch {
	case k.Err != nil:
		return k.Err.Error()
	case k.X5CErr != nil:
		return k.X5CErr.Error()
	}
	return ""
}
