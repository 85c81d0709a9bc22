package sim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
)

// signableUserinfoAlgs are the userinfo algorithms the provider can sign with: the
// asymmetric ones (an HS* signature would need the client secret as its key).
var signableUserinfoAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// tokenAlg signs ID tokens and logout tokens: CIS2 signs with RS256 unless asked otherwise.
const tokenAlg = "RS256"

// key is one signing key with the kid it is published under.
type key struct {
	signer crypto.Signer
	kid    string
	alg    string
}

// signingKeys are the provider's keys: one RSA key for ID and logout tokens, one for signed
// userinfo when its alg needs another key, and a rogue key that is never published (it signs
// the bad-signature and unknown-kid faults).
type signingKeys struct {
	token    key
	userinfo key
	// rogue is made on first use: most providers (every sandbox) never inject a fault, and an
	// RSA key costs tens of milliseconds.
	rogue func() (*rsa.PrivateKey, error)
	jwks  []byte
}

func newSigningKeys(userinfoAlg string) (*signingKeys, error) {
	rsaKey, err := keys.Generate(2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	k := &signingKeys{}
	if k.token, err = newKey(rsaKey, tokenAlg); err != nil {
		return nil, err
	}
	k.rogue = sync.OnceValues(func() (*rsa.PrivateKey, error) { return keys.Generate(2048) })
	published := []key{k.token}
	k.userinfo = k.token
	if userinfoAlg != "" && userinfoAlg != tokenAlg {
		var signer crypto.Signer
		switch {
		case strings.HasPrefix(userinfoAlg, "ES"):
			curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[userinfoAlg]
			signer, err = ecdsa.GenerateKey(curve, rand.Reader)
		default:
			signer, err = keys.Generate(2048)
		}
		if err != nil {
			return nil, fmt.Errorf("generate userinfo key: %w", err)
		}
		if k.userinfo, err = newKey(signer, userinfoAlg); err != nil {
			return nil, err
		}
		published = append(published, k.userinfo)
	}
	set := jose.JSONWebKeySet{}
	for _, pk := range published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pk.signer.Public(), KeyID: pk.kid, Algorithm: pk.alg, Use: "sig"})
	}
	if k.jwks, err = json.Marshal(set); err != nil {
		return nil, fmt.Errorf("encode JWKS: %w", err)
	}
	return k, nil
}

// newKey names a key the way CIS2 does: its kids look like base64 SHA-1 with "/", "+" and
// "=" in them, which keeps every consumer honest about treating a kid as an opaque string.
func newKey(signer crypto.Signer, alg string) (key, error) {
	der, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return key{}, fmt.Errorf("encode public key: %w", err)
	}
	sum := sha1.Sum(der)
	return key{signer: signer, kid: base64.StdEncoding.EncodeToString(sum[:]), alg: alg}, nil
}

// sign signs claims with k, adding the kid and typ headers.
func (k key) sign(claims jwt.Claims, typ string) (string, error) {
	t := jwt.NewWithClaims(jwt.GetSigningMethod(k.alg), claims)
	t.Header["kid"] = k.kid
	if typ != "" {
		t.Header["typ"] = typ
	}
	return t.SignedString(k.signer)
}

// TokenKey is the public half of the key ID and logout tokens are signed with, and its kid:
// the sandbox's relying party and tests verify with it.
func (p *Provider) TokenKey() (*rsa.PublicKey, string) {
	return p.keys.token.signer.Public().(*rsa.PublicKey), p.keys.token.kid
}

// SignToken signs claims with the provider's token key as it signs a logout token (RS256),
// under kid (its own when empty): for tests that need tokens the provider would never send.
func (p *Provider) SignToken(claims jwt.MapClaims, kid string) (string, error) {
	k := p.keys.token
	if kid != "" {
		k.kid = kid
	}
	return k.sign(claims, logoutTyp)
}
