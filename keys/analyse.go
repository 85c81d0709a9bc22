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
	jose "github.com/go-jose/go-jose/v4"
)

// Problem is one finding about a JWKS: a stable rule id, the key (kid or key[i]; "" for the
// whole set), and a message and fix that are safe to print.
type Problem struct {
	Rule     string
	KID      string
	Severity model.Severity
	Message  string
	Fix      string
}

// Rule ids of PublicOnly and Lint.
const (
	RulePrivateMember  = "private-member"
	RuleSymmetric      = "symmetric-key"
	RuleRSATooSmall    = "rsa-too-small"
	RuleNoKeys         = "no-keys"
	RuleInvalidKey     = "invalid-key"
	RuleUnsupportedKty = "unsupported-kty"
	RuleKIDMissing     = "kid-missing"
	RuleKIDDuplicate   = "kid-duplicate"
	RuleKIDUnprintable = "kid-unprintable"
	RuleUse            = "use-not-sig"
	RuleKeyOps         = "key-ops-no-verify"
	RuleAlgMismatch    = "alg-mismatch"
)

// MinRSABits is the smallest RSA key accepted for signing (NIST SP 800-131A; CIS2 signs with
// 2048-bit keys itself).
const MinRSABits = 2048

// PublicOnly finds what must never be in a published JWKS: private members (critical, anyone
// who fetches the JWKS could sign as you), symmetric keys, and RSA keys under MinRSABits.
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
			ps = append(ps, Problem{RuleRSATooSmall, k.Label(), model.Fail,
				fmt.Sprintf("key %s is RSA %d bits; at least %d are required", k.Label(), k.Bits, MinRSABits),
				"generate a 2048-bit or larger key (`cis2-golive keys rotate --jwks FILE`) and retire this one"})
		}
	}
	return ps
}

// Lint finds what makes a key unusable or ambiguous for a verifier: the set is empty, a key
// does not parse, has no kid or a kid shared with another key, is not for signatures, or
// declares an alg its key type cannot do.
func Lint(s *Set) []Problem {
	var ps []Problem
	add := func(rule string, k Key, sev model.Severity, msg, fix string) {
		ps = append(ps, Problem{rule, k.Label(), sev, msg, fix})
	}
	if len(s.Keys) == 0 {
		ps = append(ps, Problem{RuleNoKeys, "", model.Fail, "the JWK Set has no keys",
			"publish the jwks.json written by `cis2-golive keys new`"})
	}
	seen := map[string]int{}
	for _, k := range s.Keys {
		switch {
		case errors.Is(k.Err, jose.ErrUnsupportedKeyType):
			add(RuleUnsupportedKty, k, model.Warn,
				fmt.Sprintf("key %s has a key type (kty %q, crv %q) verifiers do not support; they ignore it", k.Label(), k.Kty, k.Crv),
				"remove it unless another consumer of this JWKS needs it")
		case k.Err != nil:
			add(RuleInvalidKey, k, model.Fail, fmt.Sprintf("key %s does not parse: %v", k.Label(), k.Err),
				"replace it with the JWK written by `cis2-golive keys new`")
		}
		if k.rawKID == "" {
			add(RuleKIDMissing, k, model.Fail, fmt.Sprintf("key %s has no kid", k.Label()),
				"give every key a kid (its RFC 7638 thumbprint is a good one): CIS2 picks the key by the kid in your assertion's header")
		} else {
			if k.KID != k.rawKID {
				add(RuleKIDUnprintable, k, model.Warn, fmt.Sprintf("kid %q holds control or escape characters (shown cleaned)", k.KID),
					"use a plain kid such as the key's RFC 7638 thumbprint")
			}
			seen[k.rawKID]++
			if seen[k.rawKID] == 2 {
				add(RuleKIDDuplicate, k, model.Fail, fmt.Sprintf("kid %s is used by more than one key", k.Label()),
					"give each key its own kid: a verifier cannot tell which one you signed with")
			}
		}
		if k.Use != "" && k.Use != "sig" {
			add(RuleUse, k, model.Fail, fmt.Sprintf("key %s has use %q; a verifier will not check signatures with it", k.Label(), k.Use),
				`set "use": "sig" or remove use`)
		}
		if len(k.KeyOps) > 0 && !slices.Contains(k.KeyOps, "verify") {
			add(RuleKeyOps, k, model.Fail, fmt.Sprintf("key %s has key_ops %v without \"verify\"", k.Label(), k.KeyOps),
				`add "verify" to key_ops or remove key_ops`)
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

// Supports reports whether the key can verify a JWS signed with alg.
func (k Key) Supports(alg string) bool { return k.CheckAlg(alg) == nil }

// CheckAlg says why the key cannot verify a JWS signed with alg (nil if it can): RS* and PS*
// need RSA, ES256 P-256, ES384 P-384, ES512 P-521, EdDSA Ed25519; a key limited by use,
// key_ops or its own alg to something else does not count.
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
