package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
	public, err := json.Marshal(members)
	if err != nil {
		return Key{}, fmt.Errorf("key[%d]: %w", i, err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(public); err != nil {
		k.Err = sanitisedErr(err)
		if m.Kty == "RSA" && errors.Is(err, jose.ErrUnsupportedKeyType) {
			// go-jose bounds the work a key can cost by refusing large moduli.
			k.Err = fmt.Errorf("RSA modulus is over %d bits, the largest accepted", jose.MaxRSAModulusBits)
		}
		return k, nil
	}
	switch pub := jwk.Key.(type) {
	case *rsa.PublicKey:
		k.Bits = pub.N.BitLen()
	case *ecdsa.PublicKey:
		k.Bits = pub.Curve.Params().BitSize
	case ed25519.PublicKey:
		k.Bits = 256
	}
	k.Public = jwk.Key
	if k.Thumbprint, err = Thumbprint(k.Public); err != nil {
		k.Public, k.Err = nil, err
	}
	return k, nil
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
