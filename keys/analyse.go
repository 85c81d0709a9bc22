package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
	jose "github.com/go-jose/go-jose/v4"
)

// Problem is one finding about a JWKS: a stable rule id, the key (kid or key[i]; "" for the
// whole set), and a message and fix that are safe to print.
type Problem struct {
	Rule     string         `json:"rule"`
	KID      string         `json:"kid,omitempty"`
	Severity model.Severity `json:"severity"`
	Message  string         `json:"message"`
	Fix      string         `json:"fix"`
}

// Rule ids of PublicOnly, Lint and Usable.
const (
	RulePrivateMember  = "private-member"
	RuleSymmetric      = "symmetric-key"
	RuleRSATooSmall    = "rsa-too-small"
	RuleRSALarge       = "rsa-large"
	RuleNoKeys         = "no-keys"
	RuleInvalidKey     = "invalid-key"
	RuleUnsupportedKty = "unsupported-kty"
	RuleKIDMissing     = "kid-missing"
	RuleKIDDuplicate   = "kid-duplicate"
	RuleKIDUnprintable = "kid-unprintable"
	RuleUse            = "use-not-sig"
	RuleKeyOps         = "key-ops-no-verify"
	RuleAlgMismatch    = "alg-mismatch"
	RuleX5CMismatch    = "x5c-mismatch"
	RuleNotASet        = "not-a-set"
	RuleNoUsableKey    = "no-usable-key"
	RuleNotSelected    = "not-selected"
)

// MinRSABits is the smallest RSA key accepted for signing (NIST SP 800-131A; CIS2 signs with
// 2048-bit keys itself).
const MinRSABits = 2048

// LargeRSABits is the largest RSA key every common verifier takes: go-jose, and the Go
// libraries built on it, ignore larger keys. Larger ones are valid (RFC 7518 sets no
// maximum), so they only warn.
const LargeRSABits = 4096

// PublicOnly finds what must never be in a published JWKS: private members (critical, anyone
// who fetches the JWKS could sign as you), symmetric keys, and RSA keys under MinRSABits. A
// verifier that finds them may refuse the whole set, so checks that rely on the set skip
// when one is found (see Inspection.Refused).
func PublicOnly(s *Set) []Problem {
	var ps []Problem
	for _, k := range s.Keys {
		if k.HasPrivate() {
			ps = append(ps, Problem{RulePrivateMember, k.Label(), model.Fail,
				fmt.Sprintf("CRITICAL: key %s holds private key material (%s): anyone who fetches this JWKS can sign as you",
					k.Label(), strings.Join(k.PrivateMembers, ", ")),
				"remove the key from the JWKS now, generate a new key pair (`cis2-golive keys new`) and publish only its jwks.json; treat the old key as compromised"})
		}
		switch {
		case k.Kty == "oct":
			ps = append(ps, Problem{RuleSymmetric, k.Label(), model.Fail,
				fmt.Sprintf("key %s is a symmetric (oct) key: it is a shared secret and has no place in a public JWKS", k.Label()),
				"remove it; private_key_jwt uses an RSA key pair (`cis2-golive keys new`)"})
		case k.Kty == "RSA" && k.Bits > 0 && k.Bits < MinRSABits:
			ps = append(ps, tooSmall(k))
		}
	}
	return ps
}

func tooSmall(k Key) Problem {
	return Problem{RuleRSATooSmall, k.Label(), model.Fail,
		fmt.Sprintf("key %s is RSA %d bits; at least %d are required", k.Label(), k.Bits, MinRSABits),
		"generate a 2048-bit or larger key (`cis2-golive keys rotate --jwks FILE`) and retire this one"}
}

func tooLarge(k Key) Problem {
	return Problem{RuleRSALarge, k.Label(), model.Warn,
		fmt.Sprintf("key %s is RSA %d bits: valid (RFC 7518 sets no maximum), but verifiers capped at %d bits, such as go-jose, ignore it",
			k.Label(), k.Bits, LargeRSABits),
		"2048 to 4096 bits is enough (`cis2-golive keys new --bits 4096`); keep a larger key only if CIS2 confirms it accepts it"}
}

// Lint finds what makes a key unusable or ambiguous for a verifier of a JWS signed with one
// of algs: the set is empty, a key does not parse or has an x5c that contradicts it, kids
// that a verifier cannot tell apart, a key not for signatures that is the only one that
// could verify algs, or an alg the key type cannot do. The kid rules are those of RFC 7517
// §4.5 (kid is optional; two keys may share one if their kty differs) and OIDC Core §10.1
// (a JWS names its key by kid when the set holds several).
func Lint(s *Set, algs []string) []Problem {
	var ps []Problem
	add := func(rule string, k Key, sev model.Severity, msg, fix string) {
		ps = append(ps, Problem{rule, k.Label(), sev, msg, fix})
	}
	if len(s.Keys) == 0 {
		ps = append(ps, Problem{RuleNoKeys, "", model.Fail, "the JWK Set has no keys",
			"publish the jwks.json written by `cis2-golive keys new`"})
	}
	var noKID []int
	for _, k := range s.Keys {
		if k.rawKID == "" {
			noKID = append(noKID, k.Index)
		}
	}
	signers := Verifiers(s.Keys, algs)
	for i, k := range s.Keys {
		switch {
		case errors.Is(k.Err, jose.ErrUnsupportedKeyType):
			add(RuleUnsupportedKty, k, model.Warn,
				fmt.Sprintf("key %s has a key type (kty %q, crv %q) verifiers do not support; they ignore it", k.Label(), k.Kty, k.Crv),
				"remove it unless another consumer of this JWKS needs it")
		case k.Err != nil:
			add(RuleInvalidKey, k, model.Fail, fmt.Sprintf("key %s does not parse: %v", k.Label(), k.Err),
				"replace it with the JWK written by `cis2-golive keys new`")
		}
		if k.X5CErr != nil {
			section, rule, fix := certRule(k.X5CErr)
			add(RuleX5CMismatch, k, model.Fail, fmt.Sprintf("key %s: %v (%s: %s)", k.Label(), k.X5CErr, section, rule), fix)
		}
		if k.Kty == "RSA" && k.Bits > LargeRSABits {
			ps = append(ps, tooLarge(k))
		}
		ps = append(ps, kidProblems(s, i, noKID)...)
		if k.KID != k.rawKID && k.rawKID != "" {
			add(RuleKIDUnprintable, k, model.Warn, fmt.Sprintf("kid %q holds control or escape characters (shown cleaned)", k.KID),
				"use a plain kid such as the key's RFC 7638 thumbprint")
		}
		// A key not meant for signatures is normal beside a signing key (RFC 7517 A.1 has
		// one); it only breaks sign-in when no other key can verify the algorithm.
		notSig := func(rule, what, fix string) {
			sev, msg := model.Warn, fmt.Sprintf("key %s %s; verifiers do not check signatures with it", k.Label(), what)
			if len(signers) == 0 && k.couldVerify(algs) {
				sev = model.Fail
				msg = fmt.Sprintf("key %s %s, and it is the only key that could verify %s: verifiers will not use it", k.Label(), what, strings.Join(algs, " or "))
			} else {
				fix = "nothing to do if you never sign with this key; if you do, " + fix
			}
			add(rule, k, sev, msg, fix)
		}
		if k.Use != "" && k.Use != "sig" {
			notSig(RuleUse, fmt.Sprintf("has use %q (RFC 7517 §4.2)", k.Use), `set "use": "sig" on the key you sign with, or remove use`)
		}
		if len(k.KeyOps) > 0 && !slices.Contains(k.KeyOps, "verify") {
			notSig(RuleKeyOps, fmt.Sprintf("has key_ops %v without \"verify\"", k.KeyOps), `add "verify" to key_ops of the key you sign with, or remove key_ops`)
		}
		if k.Alg != "" && k.Err == nil && k.Kty != "oct" {
			if err := k.keyFits(k.Alg); err != nil {
				add(RuleAlgMismatch, k, model.Fail, fmt.Sprintf("key %s declares alg %s but %v", k.Label(), k.Alg, err),
					"set alg to one the key can do (RS256 or RS512 for an RSA key) or remove alg")
			}
		}
	}
	return ps
}

// kidProblems applies the kid rules to key i. A missing kid warns unless two or more keys
// lack one (a verifier cannot tell those apart); with a single key the RFCs allow it, but
// CIS2's key-management guidance expects the assertion's kid, so that case warns rather than
// passes (and golive's classification makes the warning block). A kid shared by keys of
// the same kty fails (verifiers disagree which to use); across ktys RFC 7517 §4.5 allows it.
func kidProblems(s *Set, i int, noKID []int) []Problem {
	k := s.Keys[i]
	if k.rawKID == "" {
		p := Problem{RuleKIDMissing, k.Label(), model.Warn, "", "give every key a kid (its RFC 7638 thumbprint is a good one)"}
		switch {
		case len(noKID) > 1:
			p.Severity = model.Fail
			p.Message = fmt.Sprintf("key %s has no kid, and neither do %d other keys: a verifier picks the key by the JWS kid (OIDC Core §10.1) and cannot tell these apart",
				k.Label(), len(noKID)-1)
		case len(s.Keys) == 1:
			p.Message = fmt.Sprintf("key %s has no kid: RFC 7517 §4.5 makes kid optional and a one-key set needs none (OIDC Core §10.1), "+
				"but CIS2's key-management guidance has your client assertion's kid name a key in this JWKS, so no assertion signed with this key can meet it", k.Label())
		default:
			p.Message = fmt.Sprintf("key %s has no kid: an assertion signed with it cannot name it, as OIDC Core §10.1 requires when a set holds several keys", k.Label())
			p.Fix = "give it a kid (its RFC 7638 thumbprint is a good one), or sign only with keys that have one"
		}
		return []Problem{p}
	}
	var sameKty, otherKty []string
	for _, prev := range s.Keys[:i] {
		if prev.rawKID != k.rawKID {
			continue
		}
		if prev.Kty == k.Kty {
			sameKty = append(sameKty, fmt.Sprintf("key[%d]", prev.Index))
		} else {
			otherKty = append(otherKty, fmt.Sprintf("key[%d] (%s)", prev.Index, prev.Kty))
		}
	}
	switch {
	case len(sameKty) > 0:
		return []Problem{{RuleKIDDuplicate, k.Label(), model.Fail,
			fmt.Sprintf("kid %s of key[%d] is also the kid of %s, with the same kty %s: verifiers disagree which key to use", k.Label(), k.Index, strings.Join(sameKty, ", "), k.Kty),
			"give each key its own kid (its RFC 7638 thumbprint is a good one)"}}
	case len(otherKty) > 0:
		return []Problem{{RuleKIDDuplicate, k.Label(), model.Warn,
			fmt.Sprintf("kid %s of key[%d] (%s) is also the kid of %s: allowed across key types (RFC 7517 §4.5), but some verifiers take the first key with the kid",
				k.Label(), k.Index, k.Kty, strings.Join(otherKty, ", ")),
			"give each key its own kid (its RFC 7638 thumbprint is a good one)"}}
	}
	return nil
}

// certRule is the RFC 7517 section a certificate member fault (Key.X5CErr) breaks, what it
// says, and the fix: an x5t digest that is not the certificate's is not a certificate of
// another key.
func certRule(err error) (section, rule, fix string) {
	if errors.Is(err, errX5TMismatch) {
		return "RFC 7517 §4.8, §4.9", "x5t and x5t#S256 are digests of the first x5c certificate",
			"set x5t#S256 (and x5t, if used) to the base64url digest of the first x5c certificate, or remove them"
	}
	return "RFC 7517 §4.7", "the first certificate's key must be the JWK's",
		"publish the certificate of this very key in x5c, or remove x5c, x5t and x5t#S256"
}

// couldVerify reports whether the key's type fits one of algs, whatever its use or key_ops.
func (k Key) couldVerify(algs []string) bool {
	if k.Public == nil {
		return false
	}
	for _, alg := range algs {
		if k.keyFits(alg) == nil {
			return true
		}
	}
	return false
}

// Verifiers are the keys that can verify a JWS signed with one of algs.
func Verifiers(keys []Key, algs []string) []Key {
	var out []Key
	for _, k := range keys {
		if slices.ContainsFunc(algs, k.Supports) {
			out = append(out, k)
		}
	}
	return out
}

// SelectVerifier is the key a verifier of client assertions selects for a JWS signed with
// alg: the one key with the header's kid that can verify alg (RFC 7517 §4.5 lets keys of
// different types share a kid, so the type decides between them), or, for a JWS without a
// kid (hasKID false), the key of a one-key set (OIDC Core §10.1). The error says why no key,
// or more than one, would be selected; the kid in it is cleaned.
func (s *Set) SelectVerifier(kid string, hasKID bool, alg string) (Key, error) {
	candidates := s.Keys
	if hasKID {
		candidates = s.ByKID(kid)
	} else if len(s.Keys) != 1 {
		return Key{}, fmt.Errorf("the assertion has no kid and the JWKS holds %d keys", len(s.Keys))
	}
	ks := Verifiers(candidates, []string{alg})
	switch {
	case len(ks) == 1:
		return ks[0], nil
	case len(ks) > 1:
		return Key{}, fmt.Errorf("%d keys with kid %q can verify %s", len(ks), sanitize.Clean(kid), alg)
	case len(candidates) == 1:
		return Key{}, fmt.Errorf("key %s cannot verify %s: %v", candidates[0].Label(), alg, candidates[0].CheckAlg(alg))
	}
	return Key{}, fmt.Errorf("no key with kid %q in the JWKS can verify %s", sanitize.Clean(kid), alg)
}

// notSelected is the problem of a published key that a verifier would not select for an
// assertion signed with it, for any of algs (nil if one would): found by thumbprint is not
// enough when its kid is shared or missing, or its use, key_ops, alg or x5c rule it out.
func notSelected(s *Set, k Key, algs []string) *Problem {
	var why error
	for _, alg := range algs {
		got, err := s.SelectVerifier(k.rawKID, k.rawKID != "", alg)
		switch {
		case err == nil && got.Thumbprint == k.Thumbprint:
			return nil
		case err == nil:
			err = fmt.Errorf("for kid %q a verifier selects key[%d], another key", k.KID, got.Index)
		}
		if why == nil {
			why = err
		}
	}
	return &Problem{RuleNotSelected, k.Label(), model.Fail,
		fmt.Sprintf("the key's public half is there, as %s, but a verifier of client assertions would not use it: %v", k.Label(), why),
		"publish it as `cis2-golive keys new` writes it: a kid of its own, use sig, alg RS256 or RS512, and no x5c but this key's certificate"}
}

// Usable is the policy check of a JWKS as a whole: some key can verify one of algs (the
// declared token endpoint signing alg, or any CIS2 accepts), so an EC-only set, which cannot
// verify RS256 or RS512, fails.
func Usable(s *Set, algs []string) []Problem {
	if len(s.Keys) == 0 || len(Verifiers(s.Keys, algs)) > 0 {
		return nil
	}
	_, cannot := SplitByAlg(s.Keys, algs[0])
	var why []string
	for _, u := range cannot {
		why = append(why, u.Key.Label()+" ("+u.Reason+")")
	}
	return []Problem{{RuleNoUsableKey, "", model.Fail,
		fmt.Sprintf("no key in the JWKS can verify %s: %s", strings.Join(algs, " or "), strings.Join(why, "; ")),
		"publish the public key you sign client assertions with: an RSA key of 2048+ bits for RS256 or RS512 (`cis2-golive keys new`)"}}
}

// Supports reports whether the key can verify a JWS signed with alg.
func (k Key) Supports(alg string) bool { return k.CheckAlg(alg) == nil }

// CheckAlg says why the key cannot verify a JWS signed with alg (nil if it can): RS* and PS*
// need RSA, ES256 P-256, ES384 P-384, ES512 P-521, EdDSA Ed25519; a key limited by use,
// key_ops or its own alg to something else does not count, nor does a key whose x5c
// certificate contradicts it (RFC 7517 §4.7: some verifiers refuse such a key).
func (k Key) CheckAlg(alg string) error {
	if k.Public == nil {
		if k.Kty == "oct" {
			return errors.New("it is a symmetric key")
		}
		return errors.New("its key material could not be parsed")
	}
	if err := k.keyFits(alg); err != nil {
		return err
	}
	if k.X5CErr != nil {
		section, _, _ := certRule(k.X5CErr)
		return fmt.Errorf("its %v (%s)", k.X5CErr, section)
	}
	switch {
	case k.Use != "" && k.Use != "sig":
		return fmt.Errorf("its use is %q, not sig", k.Use)
	case len(k.KeyOps) > 0 && !slices.Contains(k.KeyOps, "verify"):
		return errors.New(`its key_ops do not include "verify"`)
	case k.Alg != "" && k.Alg != alg:
		return fmt.Errorf("it is limited to alg %s", k.Alg)
	}
	return nil
}

// keyFits checks the key type and curve against the algorithm alone.
func (k Key) keyFits(alg string) error {
	family, curve := algNeeds(alg)
	switch family {
	case "":
		return fmt.Errorf("%s is not a JWS signature algorithm cis2-golive knows", alg)
	case "RSA":
		if _, ok := k.Public.(*rsa.PublicKey); !ok && k.Kty != "RSA" {
			return fmt.Errorf("%s needs an RSA key, this is %s", alg, k.describe())
		}
	case "EC":
		pub, ok := k.Public.(*ecdsa.PublicKey)
		if (ok && pub.Curve != curve) || (!ok && (k.Kty != "EC" || k.Crv != curve.Params().Name)) {
			return fmt.Errorf("%s needs an EC %s key, this is %s", alg, curve.Params().Name, k.describe())
		}
	case "OKP":
		if _, ok := k.Public.(ed25519.PublicKey); !ok && (k.Kty != "OKP" || k.Crv != "Ed25519") {
			return fmt.Errorf("%s needs an Ed25519 key, this is %s", alg, k.describe())
		}
	}
	return nil
}

func (k Key) describe() string {
	if k.Crv != "" {
		return k.Kty + " " + k.Crv
	}
	return k.Kty
}

// algNeeds maps a JWS algorithm to the key family (and EC curve) that can verify it.
func algNeeds(alg string) (family string, curve elliptic.Curve) {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return "RSA", nil
	case "ES256":
		return "EC", elliptic.P256()
	case "ES384":
		return "EC", elliptic.P384()
	case "ES512":
		return "EC", elliptic.P521()
	case "EdDSA":
		return "OKP", nil
	}
	return "", nil
}

// Unusable is a key that cannot verify an algorithm, and why.
type Unusable struct {
	Key    Key
	Reason string
}

// SplitByAlg divides the keys into those that can verify a JWS signed with alg and those that
// cannot, with the reason for each.
func SplitByAlg(keys []Key, alg string) (can []Key, cannot []Unusable) {
	for _, k := range keys {
		if err := k.CheckAlg(alg); err != nil {
			cannot = append(cannot, Unusable{k, err.Error()})
		} else {
			can = append(can, k)
		}
	}
	return can, cannot
}
