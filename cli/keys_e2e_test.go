package cli

import (
	"context"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// TestKeysNewAssertionVerifiesAgainstServedJWKS is the end-to-end path: a key from
// `keys new` signs a client assertion the way CIS2 expects it, and the assertion verifies
// against the jwks.json served over loopback TLS, picked by the kid in its header.
//
// It verifies with this package's fetcher and keys.ParseSet, because `check --key` (branch
// checks) is not on main yet; once it is, this should run `check --key` against a config
// whose jwks_uri is the served URL.
func TestKeysNewAssertionVerifiesAgainstServedJWKS(t *testing.T) {
	for _, alg := range []string{"RS256", "RS512"} {
		t.Run(alg, func(t *testing.T) {
			_, keyPath, jwksPath := newKeyDir(t, "--alg", alg)
			base, ca := tlsJWKSServer(t, mustRead(t, jwksPath))

			// Sign as a relying party would: the key file from `keys new`, its kid in the header.
			signer, err := keys.LoadPrivateKey(keyPath)
			if err != nil {
				t.Fatal(err)
			}
			kid, _ := keys.Thumbprint(signer)
			const clientID = "999999999999.apps.supplier"
			aud := model.CIS2.Environments[model.Production].TokenEndpoint
			now := time.Now()
			tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.RegisteredClaims{
				Issuer: clientID, Subject: clientID, Audience: jwt.ClaimStrings{aud}, ID: "e2e-" + alg,
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
			})
			tok.Header["kid"] = kid
			assertion, err := tok.SignedString(signer)
			if err != nil {
				t.Fatal(err)
			}

			// Verify as CIS2 would: fetch the JWKS over TLS, pick the key by kid, check alg.
			fetcher, err := newKeysFetcher(ca)
			if err != nil {
				t.Fatal(err)
			}
			body, err := fetcher.get(context.Background(), base+"/jwks.json")
			if err != nil {
				t.Fatal(err)
			}
			set, err := keys.ParseSet(body)
			if err != nil {
				t.Fatal(err)
			}
			var claims jwt.RegisteredClaims
			parsed, err := jwt.ParseWithClaims(assertion, &claims, func(tk *jwt.Token) (any, error) {
				hkid, _ := tk.Header["kid"].(string)
				found := set.ByKID(hkid)
				if len(found) != 1 || !found[0].Supports(alg) {
					t.Fatalf("kid %q: %d keys that can verify %s", hkid, len(found), alg)
				}
				return found[0].Public.(*rsa.PublicKey), nil
			}, jwt.WithValidMethods([]string{alg}), jwt.WithAudience(aud), jwt.WithIssuer(clientID), jwt.WithSubject(clientID), jwt.WithExpirationRequired())
			if err != nil || !parsed.Valid {
				t.Fatalf("assertion does not verify against the served JWKS: %v", err)
			}

			// And a key that is not published must not verify.
			_, otherKey, _ := newKeyDir(t, "--alg", alg)
			other, _ := keys.LoadPrivateKey(otherKey)
			tok.Header["kid"] = kid // a forged header claiming the published kid
			forged, _ := tok.SignedString(other)
			if _, err := jwt.Parse(forged, func(*jwt.Token) (any, error) { return set.ByKID(kid)[0].Public, nil },
				jwt.WithValidMethods([]string{alg})); err == nil {
				t.Error("an assertion signed by an unpublished key verified")
			}
		})
	}
}
