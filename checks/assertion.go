package checks

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// assertionLifetime is the client assertion's exp - iat. NHS teams use 300 s; CIS2's maximum is
// unconfirmed, so staying at 5 minutes keeps the check to what is known to work.
const assertionLifetime = 5 * time.Minute

// errKeyNotInJWKS is the exact failure for a key whose public half is not published.
var errKeyNotInJWKS = errors.New("the key's public half is not in the JWKS")

// assertion is a signed client assertion and what a report may show about it. The signed
// token itself is a short-lived credential, so it never goes into a Result.
type assertion struct {
	token    string
	kid      string
	keyLabel string // the published key's label (kid or key[i]), for a report
	alg      string
	aud      string
	clientID string
	claims   jwt.MapClaims
}

// signedAssertion is the run's one client assertion and what verifying it against the fetched JWKS
// said. assertion.sign-verify reports it and token.probe sends the very same token, so when
// CIS2 and the local verification disagree, the probe can say so and why.
type signedAssertion struct {
	a         assertion
	res       *Result // why there is no assertion to verify or send (a skip or a failure)
	verifyErr error   // nil: it verified against the fetched JWKS, selected as CIS2 would
}

// signed signs and verifies the client assertion once per run.
func (r *run) signed(ctx context.Context) signedAssertion {
	return r.signOnce.get(func() signedAssertion {
		a, res := r.signAssertion(ctx)
		if res != nil {
			return signedAssertion{res: res}
		}
		return signedAssertion{a: a, verifyErr: verifyAssertion(a, r.inspection(ctx).Set, r.opts.Now)}
	})
}

// signAssertion signs a client assertion exactly as CIS2 expects it: iss = sub = client_id,
// aud = the token endpoint exactly as the discovery document writes it, a fresh jti, iat,
// exp = iat + 5 min, and the kid of the published JWKS key that holds the key's public half.
// On failure it returns the Result to report instead.
func (r *run) signAssertion(ctx context.Context) (assertion, *Result) {
	if !r.hasSigner() {
		return assertion{}, &Result{Status: model.Skip,
			Message: "no private key given; run `cis2-golive check --config FILE --key private.pem` (or --sign-cmd for a key in a KMS or HSM) to sign a test client assertion and verify it against your published JWKS (the key is only read locally, never sent)"}
	}
	signer, err := r.key()
	if err != nil {
		res := &Result{Status: model.Fail, Message: "could not load " + r.signerFlag() + ": " + err.Error(), Fix: "pass the PEM private key your application signs client assertions with"}
		if errors.Is(err, keys.ErrKeyFilePermissions) {
			res.Fix = "chmod 600 " + r.opts.KeyPath
		}
		return assertion{}, res
	}
	if skip := r.usableJWKS(ctx); skip != nil {
		return assertion{}, skip
	}
	d := r.discovery(ctx)
	if skip := d.unavailable(); skip != nil {
		return assertion{}, skip
	}
	set := r.inspection(ctx).Set
	signer, res := r.bindSigner(ctx, signer, set) // an external signer finds its published key
	if res != nil {
		return assertion{}, res
	}
	tp, err := keys.Thumbprint(signer)
	if err != nil {
		return assertion{}, &Result{Status: model.Fail, Message: "unsupported key: " + err.Error(), Fix: "use an RSA key (see `cis2-golive keys new`)"}
	}
	published, ok := set.ByThumbprint(tp)
	ev := map[string]string{"key_thumbprint": tp}
	if !ok {
		return assertion{}, &Result{Status: model.Fail, Message: errKeyNotInJWKS.Error(), Evidence: ev,
			Fix: "publish the key's public JWK at jwks_uri (see `cis2-golive keys`), or pass the private key that matches the published one"}
	}
	if published.RawKID() == "" && len(set.Keys) > 1 {
		return assertion{}, &Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("the key is in the JWKS but has no kid, and the JWKS holds %d keys: the assertion must name its key by kid (OIDC Core §10.1)", len(set.Keys)),
			Fix:     "give the JWK a kid (its RFC 7638 thumbprint is a good one)"}
	}
	alg := r.cfg.TokenEndpointAuthSigningAlg
	if alg == "" {
		alg = defaultAlg(signer)
	}
	if err := published.CheckAlg(alg); err != nil {
		return assertion{}, &Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("the published key %s cannot verify %s: %v", sanitize.Clean(published.Label()), alg, err),
			Fix:     "declare the alg your key supports, or publish a key that supports " + alg}
	}
	method := jwt.GetSigningMethod(alg)
	if method == nil {
		return assertion{}, &Result{Status: model.Fail, Message: "cis2-golive cannot sign " + alg, Evidence: ev}
	}
	clientID := r.cfg.ClientID
	if clientID == "" {
		clientID = placeholderClientID
	}
	aud := d.doc.TokenEndpoint
	now := r.opts.Now()
	claims := jwt.MapClaims{
		"iss": clientID,
		"sub": clientID,
		"aud": aud,
		"jti": rand.Text(),
		"iat": now.Unix(),
		"exp": now.Add(assertionLifetime).Unix(),
	}
	t := jwt.NewWithClaims(method, claims)
	// The header carries the kid as published, not its cleaned form: CIS2 matches it exactly.
	// A key without one is the set's only key (checked above): the header then has no kid.
	if kid := published.RawKID(); kid != "" {
		t.Header["kid"] = kid
	}
	token, err := keys.SignedString(ctx, t, signer)
	if err != nil {
		return assertion{}, &Result{Status: model.Fail, Message: fmt.Sprintf("could not sign with %s: %v", alg, err), Evidence: ev,
			Fix: "use the key type the algorithm needs (RSA for RS256/RS512)"}
	}
	return assertion{token: token, kid: published.RawKID(), keyLabel: published.Label(), alg: alg, aud: aud, clientID: clientID, claims: claims}, nil
}

// defaultAlg picks an algorithm for a key when the configuration declares none.
func defaultAlg(k crypto.Signer) string {
	if _, ok := k.Public().(*ecdsa.PublicKey); ok {
		return "ES256"
	}
	return "RS256"
}

// verifyAssertion verifies the assertion against set as a verifier of client assertions
// does: with the key keys.SelectVerifier selects for the header's kid and the alg, the rule
// `keys inspect KEY --jwks` applies too.
func verifyAssertion(a assertion, set *keys.Set, now func() time.Time) error {
	_, err := jwt.Parse(a.token, func(t *jwt.Token) (any, error) {
		kid, named := t.Header["kid"].(string)
		k, err := set.SelectVerifier(kid, named, a.alg)
		if err != nil {
			return nil, err
		}
		return k.Public, nil
	},
		jwt.WithValidMethods([]string{a.alg}),
		jwt.WithAudience(a.aud),
		jwt.WithIssuer(a.clientID),
		jwt.WithSubject(a.clientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
	)
	return err
}

// assertionCheck is assertion.sign-verify: sign a client assertion as CIS2 expects it, then
// verify it against the fetched JWKS by kid, as CIS2 will.
func (r *run) assertionCheck(ctx context.Context) Result {
	s := r.signed(ctx)
	if s.res != nil {
		return *s.res
	}
	a := s.a
	claims, _ := json.Marshal(a.claims)
	ev := map[string]string{
		"kid": sanitize.Clean(a.kid), "alg": a.alg, "aud": a.aud, "aud_source": r.discovery(ctx).source(),
		"claims": string(claims), "lifetime_seconds": strconv.Itoa(int(assertionLifetime.Seconds())),
	}
	if s.verifyErr != nil {
		return Result{Status: model.Fail, Evidence: ev,
			Message: "signed a client assertion but it does not verify against the fetched JWKS: " + sanitize.Clean(s.verifyErr.Error()),
			Fix:     "publish exactly one key per kid, with the public half of the key you sign with"}
	}
	msg := fmt.Sprintf("signed a client assertion with kid %s (%s), aud %s, and verified it against the fetched JWKS",
		ev["kid"], a.alg, a.aud)
	res := Result{Status: model.Pass, Evidence: ev}
	if a.kid == "" {
		// RFC 7517 §4.5 lets a one-key set do without kids, and a verifier that falls back to
		// the only key accepts it; CIS2's key-management guidance does not: the assertion's kid
		// names the key in your JWKS, and a missing kid is a reported cause of invalid_client.
		res.Status = model.Warn
		res.Rules = []Rule{{ID: keys.RuleKIDMissing, Status: model.Warn, Subject: sanitize.Clean(a.keyLabel)}}
		msg = fmt.Sprintf("signed a client assertion (%s, aud %s) and it verifies against the JWKS's only key, but that key has no kid, "+
			"so the assertion could not carry one: CIS2's key-management guidance expects the assertion's kid to name a key in your JWKS, "+
			"and NHS developers report invalid_client (JWT is not valid) for one without", a.alg, a.aud)
		res.Fix = "give the published key a kid (its RFC 7638 thumbprint is a good one; `cis2-golive keys new` writes one) and sign with that kid"
	}
	if a.clientID == placeholderClientID {
		msg += "; client_id is not set, so iss and sub used the placeholder " + placeholderClientID
	}
	res.Message = msg
	return res
}
