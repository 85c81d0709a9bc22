package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/sanitize"
	jose "github.com/go-jose/go-jose/v4"
)

// Limits on untrusted JWK input. A real JWKS holds a handful of keys and a few KiB; these
// leave ample room while keeping a hostile document from costing much memory or CPU.
const (
	MaxSetBytes = 1 << 20  // a JWKS document: the same 1 MiB cap as the live fetch
	MaxKeys     = 100      // keys in one set
	maxKeyBytes = 64 << 10 // one key's JSON, x5c chain included
)

// privateMembers are the JWK members that carry private or secret key material (RFC 7518 §6).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// Key is one JWK as read from a set, with sanitised metadata and the parsed public key.
type Key struct {
	Index          int              // position in the set, for keys without a kid
	KID            string           // sanitised
	Kty            string           // sanitised
	Alg            string           // sanitised
	Use            string           // sanitised
	Crv            string           // sanitised
	KeyOps         []string         // sanitised
	Bits           int              // RSA modulus size, EC curve size, or symmetric key size
	Public         crypto.PublicKey // nil for symmetric, unsupported or invalid keys
	PrivateMembers []string         // names of the private members present (never their values)
	Thumbprint     string           // RFC 7638 SHA-256, base64url; "" when Public is nil
	// Err says why the key material could not be parsed (an unsupported kty is
	// jose.ErrUnsupportedKeyType). Verifiers skip such keys; Lint reports them.
	Err error
	// Certificates is the parsed x5c chain, leaf first (nil without x5c): for reporting,
	// such as each certificate's expiry. It is not verified against any root.
	Certificates []*x509.Certificate
	// X5CErr says why the certificate members (x5c, x5t, x5t#S256) do not fit the key, which
	// is still parsed from n/e (x/y): ErrX5CMismatch when the first certificate holds another
	// key. Some verifiers refuse such a key, others ignore x5c; CheckAlg refuses it.
	X5CErr error
	// JSON is the key exactly as read (or as generated), so a rewritten set can keep it
	// byte-for-byte. It may hold private members and unsanitised strings: never print it.
	JSON json.RawMessage

	rawKID string // the kid as the JWK spells it, for lookups
}

// Label names the key for messages: its kid, or its position when it has none.
func (k Key) Label() string {
	if k.KID != "" {
		return k.KID
	}
	return fmt.Sprintf("key[%d]", k.Index)
}

// RawKID is the kid exactly as the JWK spells it, for a JWS header that a verifier will match
// byte for byte. It is not sanitised: never print it (print KID).
func (k Key) RawKID() string { return k.rawKID }

// HasPrivate reports whether the key holds any private member.
func (k Key) HasPrivate() bool { return len(k.PrivateMembers) > 0 }

// Set is a parsed JWK Set. Single is true when the input was one bare JWK, not a set.
type Set struct {
	Keys   []Key
	Single bool
}

// ByKID returns the keys whose kid is exactly kid (compared unsanitised, as a verifier does).
func (s *Set) ByKID(kid string) []Key {
	var out []Key
	for _, k := range s.Keys {
		if k.rawKID == kid {
			out = append(out, k)
		}
	}
	return out
}

// ByThumbprint returns the key whose public half has the given RFC 7638 thumbprint.
func (s *Set) ByThumbprint(tp string) (Key, bool) {
	for _, k := range s.Keys {
		if k.Thumbprint != "" && k.Thumbprint == tp {
			return k, true
		}
	}
	return Key{}, false
}

// ParseSet parses a JWK Set, or a single JWK (Set.Single), within the package's limits.
// Structural problems (not JSON, no "keys" array, too many keys) are errors; a key whose
// material does not parse is kept with Err set, so the other keys can still be reported.
func ParseSet(data []byte) (*Set, error) {
	if len(data) > MaxSetBytes {
		return nil, fmt.Errorf("JWKS is %d bytes; the limit is %d (1 MiB): a JWKS holds a few keys", len(data), MaxSetBytes)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a JWK Set: %w", jsonErr(err))
	}
	rawKeys, isSet := top["keys"]
	if !isSet {
		if _, ok := top["kty"]; !ok {
			return nil, errors.New(`not a JWK Set (no "keys" member) nor a JWK (no "kty" member)`)
		}
		k, err := parseKey(0, bytes.TrimSpace(data))
		if err != nil {
			return nil, err
		}
		return &Set{Keys: []Key{k}, Single: true}, nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(rawKeys, &elems); err != nil || elems == nil {
		return nil, errors.New(`JWK Set "keys" member is not an array`)
	}
	if len(elems) > MaxKeys {
		return nil, fmt.Errorf("JWK Set holds %d keys; the limit is %d: publish only the keys in use", len(elems), MaxKeys)
	}
	set := &Set{Keys: make([]Key, 0, len(elems))}
	for i, e := range elems {
		k, err := parseKey(i, e)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, k)
	}
	return set, nil
}

// jwkMembers are the metadata members read directly; key material goes through go-jose.
type jwkMembers struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Alg    string   `json:"alg"`
	Use    string   `json:"use"`
	Crv    string   `json:"crv"`
	KeyOps []string `json:"key_ops"`
	K      string   `json:"k"`
}

func parseKey(i int, data json.RawMessage) (Key, error) {
	if len(data) > maxKeyBytes {
		return Key{}, fmt.Errorf("key[%d] is %d bytes of JSON; the limit is %d", i, len(data), maxKeyBytes)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return Key{}, fmt.Errorf("key[%d] is not a JSON object", i)
	}
	var m jwkMembers
	if err := json.Unmarshal(data, &m); err != nil {
		return Key{}, fmt.Errorf("key[%d]: %w", i, jsonErr(err))
	}
	k := Key{
		Index: i, KID: sanitize.Clean(m.Kid), Kty: sanitize.Clean(m.Kty), Alg: sanitize.Clean(m.Alg), Use: sanitize.Clean(m.Use), Crv: sanitize.Clean(m.Crv),
		JSON: slices.Clone(data), rawKID: m.Kid,
	}
	for _, op := range m.KeyOps {
		k.KeyOps = append(k.KeyOps, sanitize.Clean(op))
	}
	for _, name := range privateMembers {
		if _, ok := members[name]; ok {
			k.PrivateMembers = append(k.PrivateMembers, name)
		}
	}
	if m.Kty == "oct" {
		// A symmetric key has no public half; its size is all we report about it.
		k.Bits = base64.RawURLEncoding.DecodedLen(len(m.K)) * 8
		return k, nil
	}
	// Parse only the public half: private members are removed first, so go-jose never
	// holds (or validates, at some cost) private material from untrusted input.
	for _, name := range privateMembers {
		delete(members, name)
	}
	pub, certs, x5cErr, err := parsePublic(m.Kty, members)
	if err != nil {
		k.Err = err
		return k, nil
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		k.Bits = pub.N.BitLen()
	case *ecdsa.PublicKey:
		k.Bits = pub.Curve.Params().BitSize
	case ed25519.PublicKey:
		k.Bits = 256
	}
	k.Public, k.Certificates, k.X5CErr = pub, certs, x5cErr
	if k.Thumbprint, err = Thumbprint(k.Public); err != nil {
		k.Public, k.Err = nil, err
	}
	return k, nil
}

// certMembers tie a JWK to an X.509 certificate (RFC 7517 §4.7-4.9); x5u is a URL and never
// fetched.
var certMembers = []string{"x5c", "x5t", "x5t#S256"}

// parsePublic parses a public JWK's key material with go-jose. When go-jose refuses the JWK,
// it tells apart the two cases where the key itself is fine, so that neither is reported as
// a key that is not there: an RSA modulus above go-jose's 4096-bit cap (RFC 7518 sets no
// maximum: parsed here from n and e), and certificate members that do not fit the key
// (x5cErr, with the key still returned).
func parsePublic(kty string, members map[string]json.RawMessage) (pub crypto.PublicKey, certs []*x509.Certificate, x5cErr, err error) {
	var jwk jose.JSONWebKey
	joseErr := jwk.UnmarshalJSON(marshalMembers(members))
	if joseErr == nil {
		return jwk.Key, jwk.Certificates, nil, nil
	}
	bare := maps.Clone(members)
	for _, name := range certMembers {
		delete(bare, name)
	}
	hasCerts, keyErr := len(bare) < len(members), joseErr
	if hasCerts {
		if keyErr = jwk.UnmarshalJSON(marshalMembers(bare)); keyErr == nil {
			pub = jwk.Key
		}
	}
	if pub == nil {
		if kty != "RSA" || !errors.Is(keyErr, jose.ErrUnsupportedKeyType) {
			return nil, nil, nil, sanitisedErr(keyErr)
		}
		if pub, err = largeRSA(bare); err != nil {
			return nil, nil, nil, err
		}
	}
	if !hasCerts {
		return pub, nil, nil, nil
	}
	certs, x5cErr = checkCertMembers(pub, members)
	if x5cErr == nil && !errors.Is(joseErr, jose.ErrUnsupportedKeyType) {
		// go-jose found a fault our own checks do not name: report its words.
		x5cErr = sanitisedErr(joseErr)
	}
	return pub, certs, x5cErr, nil
}

func marshalMembers(members map[string]json.RawMessage) []byte {
	data, _ := json.Marshal(members) // a map of valid raw JSON always marshals
	return data
}

// MaxRSABits is the largest RSA modulus parsed. RFC 7518 sets no maximum, and keys above
// go-jose's 4096-bit cap are parsed from n and e; 16384 bits is OpenSSL's limit
// (OPENSSL_RSA_MAX_MODULUS_BITS), beyond which most verifiers refuse a key anyway.
const MaxRSABits = 16384

// largeRSA builds an RSA public key from the base64url n and e members (RFC 7518 §6.3.1),
// for a modulus over go-jose's cap; e is bounded as go-jose and crypto/rsa bound it.
func largeRSA(members map[string]json.RawMessage) (*rsa.PublicKey, error) {
	var m struct {
		N string `json:"n"`
		E string `json:"e"`
	}
	if err := json.Unmarshal(marshalMembers(members), &m); err != nil {
		return nil, jsonErr(err)
	}
	n, errN := base64.RawURLEncoding.DecodeString(strings.TrimRight(m.N, "="))
	e, errE := base64.RawURLEncoding.DecodeString(strings.TrimRight(m.E, "="))
	switch {
	case errN != nil || errE != nil || len(n) == 0 || len(e) == 0:
		return nil, errors.New(`invalid RSA key: "n" and "e" must be base64url integers`)
	case len(n) > MaxRSABits/8+1:
		return nil, fmt.Errorf("RSA modulus is over %d bits, the largest accepted (OpenSSL's limit)", MaxRSABits)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n)}
	exp := new(big.Int).SetBytes(e)
	if pub.N.BitLen() > MaxRSABits {
		return nil, fmt.Errorf("RSA modulus is %d bits, over the %d accepted (OpenSSL's limit)", pub.N.BitLen(), MaxRSABits)
	}
	if !exp.IsInt64() || exp.Int64() < 2 || exp.Int64() > 1<<31-1 {
		return nil, errors.New(`invalid RSA key: bad "e" value`)
	}
	pub.E = int(exp.Int64())
	return pub, nil
}

// The reasons a JWK's certificate members do not fit its key (RFC 7517 §4.7-4.9).
var (
	// ErrX5CMismatch: the first x5c certificate holds another key than the JWK's (its n/e for
	// RSA, x/y for EC). The error itself names the members.
	ErrX5CMismatch = errors.New("x5c certificate does not match the key")
	errX5CEncoding = errors.New("x5c must be an array of base64 DER certificates")
	errX5TMismatch = errors.New("x5t or x5t#S256 is not the thumbprint of the first x5c certificate")
)

// checkCertMembers parses x5c and checks it (and x5t, x5t#S256) against the key: RFC 7517
// §4.7 says the first certificate's key MUST match the JWK's.
func checkCertMembers(pub crypto.PublicKey, members map[string]json.RawMessage) ([]*x509.Certificate, error) {
	var m struct {
		X5C    []string `json:"x5c"`
		X5T    string   `json:"x5t"`
		X5T256 string   `json:"x5t#S256"`
	}
	if err := json.Unmarshal(marshalMembers(members), &m); err != nil {
		return nil, errX5CEncoding
	}
	var certs []*x509.Certificate
	for _, c := range m.X5C {
		der, err := base64.StdEncoding.DecodeString(c) // RFC 7517 §4.7: base64, not base64url
		if err != nil {
			return nil, errX5CEncoding
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, errX5CEncoding
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, nil
	}
	if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(certs[0].PublicKey) {
		return certs, x5cMismatch{pub}
	}
	sha1Sum, sha256Sum := sha1.Sum(certs[0].Raw), sha256.Sum256(certs[0].Raw)
	if !thumbprintMatches(m.X5T, sha1Sum[:]) || !thumbprintMatches(m.X5T256, sha256Sum[:]) {
		return certs, errX5TMismatch
	}
	return certs, nil
}

// x5cMismatch is ErrX5CMismatch, naming the JWK members the certificate contradicts.
type x5cMismatch struct{ pub crypto.PublicKey }

func (e x5cMismatch) Error() string {
	members := "n/e"
	switch e.pub.(type) {
	case *ecdsa.PublicKey:
		members = "x/y"
	case ed25519.PublicKey:
		members = "x"
	}
	return "x5c certificate does not match " + members
}

func (e x5cMismatch) Is(target error) bool { return target == ErrX5CMismatch }

// thumbprintMatches compares an x5t member (base64url; some publishers hex-encode the digest
// first, which go-jose accepts too) with a certificate digest; an absent member matches.
func thumbprintMatches(member string, sum []byte) bool {
	if member == "" {
		return true
	}
	got, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(member, "="))
	if err != nil {
		return false
	}
	if len(got) == 2*len(sum) {
		if h, err := hex.DecodeString(string(got)); err == nil {
			got = h
		}
	}
	return bytes.Equal(got, sum)
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a public key, base64url without padding.
// A crypto.Signer is accepted too; its public half is used.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	if s, ok := pub.(crypto.Signer); ok {
		pub = s.Public()
	}
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return "", fmt.Errorf("thumbprint: unsupported key type %T", pub)
	}
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("thumbprint: %w", sanitisedErr(err))
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// PublicJWK builds the JWK to publish for pub: kty and key members, use "sig", the given alg,
// and kid = the RFC 7638 thumbprint (a kid that names the key itself, so it never collides
// and never needs choosing). Key.JSON is indented to sit inside MarshalSet's output.
func PublicJWK(pub crypto.PublicKey, alg string) (Key, error) {
	if s, ok := pub.(crypto.Signer); ok {
		pub = s.Public()
	}
	kid, err := Thumbprint(pub)
	if err != nil {
		return Key{}, err
	}
	data, err := jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}.MarshalJSON()
	if err != nil {
		return Key{}, fmt.Errorf("encode JWK: %w", sanitisedErr(err))
	}
	k, err := parseKey(0, orderMembers(data))
	if err != nil {
		return Key{}, err
	}
	if err := k.CheckAlg(alg); err != nil {
		return Key{}, fmt.Errorf("alg %s: %w", alg, err)
	}
	return k, nil
}

const setIndentPrefix = "    "

// memberOrder is the order PublicJWK writes members in: what the key is and how to use it
// first, then the key material, as RFC 7517's examples do.
var memberOrder = []string{"kty", "crv", "kid", "use", "alg", "n", "e", "x", "y"}

// orderMembers re-emits a JWK object with memberOrder first, indented for MarshalSet.
func orderMembers(data []byte) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return data
	}
	names := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(names, func(a, b string) int {
		ia, ib := slices.Index(memberOrder, a), slices.Index(memberOrder, b)
		if ia < 0 {
			ia = len(memberOrder)
		}
		if ib < 0 {
			ib = len(memberOrder)
		}
		return ia - ib
	})
	var b bytes.Buffer
	b.WriteString("{")
	for i, name := range names {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n%s  %q: %s", setIndentPrefix, name, m[name])
	}
	b.WriteString("\n" + setIndentPrefix + "}")
	return b.Bytes()
}

// MarshalSet writes a JWK Set holding each key's JSON exactly as it is, one key per entry,
// in order: keys read from a file keep every byte, generated keys come out indented, and the
// same keys always give the same bytes.
func MarshalSet(keys []Key) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n  \"keys\": [")
	for i, k := range keys {
		if !json.Valid(k.JSON) {
			return nil, fmt.Errorf("key %s has no valid JSON to write", k.Label())
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + setIndentPrefix)
		b.Write(k.JSON)
	}
	if len(keys) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Bytes(), nil
}

// sanitisedErr keeps an error from a library safe to print (it names members, never values).
func sanitisedErr(err error) error {
	if errors.Is(err, jose.ErrUnsupportedKeyType) {
		return jose.ErrUnsupportedKeyType
	}
	return errors.New(sanitize.Clean(err.Error()))
}

// jsonErr drops the offending text from a JSON error: it might be part of a key.
func jsonErr(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		if strings.Contains(syn.Error(), "max depth") {
			return fmt.Errorf("invalid JSON: nested too deeply (at byte %d)", syn.Offset)
		}
		return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("member %q should be a %s, not a JSON %s", sanitize.Clean(typ.Field), typ.Type, typ.Value)
	}
	return errors.New("invalid JSON")
}
