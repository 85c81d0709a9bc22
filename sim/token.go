package sim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// CIS2's words for a client it did not authenticate: the same text whatever the reason
// (developer.community.nhs.uk t/6283), so the reason is only in the event's plain words.
const (
	jwtNotValid      = "JWT is not valid"
	clientAuthFailed = "Client authentication failed"
	grantInvalid     = "The provided access grant is invalid, expired, or revoked."
)

// issued is an access token the provider gave out, for userinfo.
type issued struct {
	sess    *Session
	scopes  []string
	fault   Fault
	expires time.Time
	used    bool
}

// token is CIS2's token endpoint: the client is authenticated first, for real (as the live
// checks describe CIS2 doing it), then the authorization code is exchanged. A client that
// authenticates but sends a made-up code gets invalid_grant: what CIS2 answers the tool's
// token probe with.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	ev := Event{Endpoint: Token, Method: r.Method, Path: r.URL.Path}
	refuse := func(status int, code, cis2, plain string) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
		}
		oauthError(w, status, code, cis2)
		ev.Status, ev.Outcome, ev.CIS2, ev.Plain = status, Refused, code+": "+cis2, plain
		p.record(ev)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		refuse(http.StatusBadRequest, "invalid_request", "the request body is not a valid form", "the token request body is not a form")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "authorization_code" {
		refuse(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code",
			fmt.Sprintf("grant_type is %q: the sim exchanges authorization codes only", sanitize.Clean(f.Get("grant_type"))))
		return
	}
	claims, err := p.authenticateClient(r.Context(), r, f)
	ev.Claims = claims
	if err != nil {
		var ce *clientError
		if errors.As(err, &ce) && ce.basic {
			refuse(ce.status, "invalid_client", clientAuthFailed, err.Error())
			return
		}
		refuse(http.StatusBadRequest, "invalid_client", jwtNotValid, "client authentication failed: "+err.Error())
		return
	}
	p.mu.Lock()
	g := p.grants[f.Get("code")]
	delete(p.grants, f.Get("code")) // a code is used once, whatever happens next
	p.mu.Unlock()
	why := ""
	switch {
	case g == nil:
		why = "the code is unknown or was already used"
	case p.now().After(g.expires):
		why = fmt.Sprintf("the code expired (codes live %s)", codeLifetime)
	case f.Get("redirect_uri") != g.req.redirectURI:
		why = fmt.Sprintf("redirect_uri %q is not the one the authorization request sent (%s); RFC 6749 §4.1.3 wants it identical",
			sanitize.Clean(f.Get("redirect_uri")), g.req.redirectURI)
	default:
		why = pkceMismatch(g.req, f.Get("code_verifier"))
	}
	if why != "" {
		ev.Claims = nil
		refuse(http.StatusBadRequest, "invalid_grant", grantInvalid, "client authenticated, but "+why)
		return
	}
	p.issueTokens(w, ev, g)
}

// pkceMismatch says why the code_verifier does not answer the code_challenge (RFC 7636 §4.6).
func pkceMismatch(req authRequest, verifier string) string {
	if req.challenge == "" {
		return ""
	}
	if n := len(verifier); n < 43 || n > 128 {
		return fmt.Sprintf("code_verifier is %d characters; PKCE wants 43 to 128 (RFC 7636 §4.1)", n)
	}
	got := verifier
	if req.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		got = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(req.challenge)) != 1 {
		return "the code_verifier does not match the code_challenge (PKCE " + req.method + ")"
	}
	return ""
}

// issueTokens answers a successful exchange: an access token and the ID token, broken as
// the sign-in's fault says.
func (p *Provider) issueTokens(w http.ResponseWriter, ev Event, g *grant) {
	now := p.now()
	access := randomID()
	p.mu.Lock()
	sess := g.sess
	u := sess.user
	p.tokens[access] = &issued{sess: sess, scopes: g.req.scopes, fault: g.fault, expires: now.Add(tokenLifetime)}
	for t, i := range p.tokens {
		if now.After(i.expires) {
			delete(p.tokens, t)
		}
	}
	sid, acr, amr, aal := sess.SID, sess.ACR, sess.AMR, sess.AAL
	if g.fault != "" {
		sess.Verdict = "ID token with " + string(g.fault) + " sent: not yet seen whether the application accepted it"
	}
	p.mu.Unlock()

	claims := jwt.MapClaims{
		"iss": p.issuer, "sub": u.UID, "aud": p.client.ClientID, "azp": p.client.ClientID,
		"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix(),
		"sid": sid, "acr": acr, "amr": []string{amr},
		"authentication_assurance_level": strconv.Itoa(aal),
		"at_hash":                        atHash(access),
		// ForgeRock AM's own claims, which CIS2's ID tokens carry.
		"tokenName": "id_token", "tokenType": "JWTToken", "realm": "/NHSIdentity/Healthcare",
		"org.forgerock.openidconnect.ops": randomID(), "auditTrackingId": randomID(),
	}
	for _, c := range model.CIS2.IDAssuranceClaims {
		claims[c] = "3" // the test users' identities are verified in person
	}
	if g.req.nonce != "" {
		claims["nonce"] = g.req.nonce
	}
	if g.req.wantsAuthTime() {
		claims["auth_time"] = g.authAt.Unix()
	}
	idToken, err := p.signIDToken(claims, g.fault)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		ev.Status, ev.Outcome, ev.Plain = http.StatusInternalServerError, Refused, "could not sign the ID token: "+err.Error()
		p.record(ev)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()) - 1,
		"scope": strings.Join(g.req.scopes, " "), "id_token": idToken,
	})
	ev.Status, ev.Outcome, ev.SID, ev.Fault = http.StatusOK, OK, sid, string(g.fault)
	ev.Claims = maps.Clone(claims)
	ev.Plain = "client authenticated; code exchanged; ID token issued for " + u.Name + " (" + u.UID + ")"
	if g.fault != "" {
		what, rule := g.fault.Info()
		ev.Plain += "; fault " + string(g.fault) + ": " + what + ". The application must refuse it: " + rule
	}
	p.record(ev)
}

// atHash is the ID token's at_hash for an RS256 token (OIDC Core §3.1.3.6).
func atHash(access string) string {
	sum := sha256.Sum256([]byte(access))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// clientError is a failed client authentication; basic marks client_secret_basic failures,
// which CIS2 words differently from JWT ones.
type clientError struct {
	msg    string
	basic  bool
	status int
}

func (e *clientError) Error() string { return e.msg }

// authenticateClient authenticates the token request as the registration says. It returns
// the assertion's header and claims (for the event: never the assertion itself).
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, f url.Values) (map[string]any, error) {
	_, _, hasBasic := r.BasicAuth()
	if p.client.TokenEndpointAuthMethod == model.ClientSecretBasic {
		return nil, p.authenticateSecret(r, f)
	}
	switch {
	case f.Has("client_secret") || hasBasic:
		return nil, errors.New("a client_secret was sent, but the client is registered for private_key_jwt")
	case f.Get("client_assertion_type") != jwtBearer:
		return nil, fmt.Errorf("client_assertion_type is %q, want %s", sanitize.Clean(f.Get("client_assertion_type")), jwtBearer)
	case f.Get("client_assertion") == "":
		return nil, errors.New("client_assertion is missing")
	case f.Has("client_id") && f.Get("client_id") != p.client.ClientID:
		return nil, fmt.Errorf("client_id %q is not registered (the client is %s)", sanitize.Clean(f.Get("client_id")), p.client.ClientID)
	}
	raw := f.Get("client_assertion")
	shown := assertionClaims(raw)
	var c jwt.RegisteredClaims
	alg := p.client.TokenEndpointAuthSigningAlg
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		return p.assertionKey(ctx, t)
	},
		jwt.WithValidMethods([]string{alg}),
		jwt.WithIssuer(p.client.ClientID),
		jwt.WithSubject(p.client.ClientID),
		jwt.WithAudience(p.TokenEndpoint()),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(p.now), // the provider's clock judges exp and iat, as every other lifetime
	)
	switch {
	case err != nil:
		return shown, p.explainAssertion(err, shown)
	case c.IssuedAt == nil:
		return shown, errors.New("assertion has no iat")
	case c.ExpiresAt.Sub(p.now()) > maxAssertionLifetime:
		return shown, fmt.Errorf("assertion expires more than %s from now (exp - now); NHS teams use 5 minutes", maxAssertionLifetime)
	case c.ID == "":
		return shown, errors.New("assertion has no jti")
	}
	return shown, p.useJTI(c.ID, c.ExpiresAt.Time)
}

// authenticateSecret checks client_secret_basic (RFC 6749 §2.3.1: both parts form-encoded).
func (p *Provider) authenticateSecret(r *http.Request, f url.Values) error {
	id, secret, ok := r.BasicAuth()
	fail := func(status int, msg string) error { return &clientError{msg: msg, basic: true, status: status} }
	switch {
	case f.Has("client_assertion"):
		return fail(http.StatusBadRequest, "a client_assertion was sent, but the client is registered for client_secret_basic")
	case f.Has("client_secret"):
		return fail(http.StatusBadRequest, "the secret was sent in the form body (client_secret_post); the client is registered for client_secret_basic: send it in the Authorization header")
	case !ok:
		return fail(http.StatusUnauthorized, "no Authorization: Basic header (client_secret_basic)")
	}
	if u, err := url.QueryUnescape(id); err == nil {
		id = u
	}
	if s, err := url.QueryUnescape(secret); err == nil {
		secret = s
	}
	if id != p.client.ClientID {
		return fail(http.StatusUnauthorized, fmt.Sprintf("the Basic user name %q is not the client_id %s", sanitize.Clean(id), p.client.ClientID))
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(p.opts.ClientSecret)) != 1 {
		return fail(http.StatusUnauthorized, "the client secret is not the one given by --client-secret-env")
	}
	return nil
}

// assertionClaims decodes the assertion's header and claims for the event, without trusting
// them: they say what the application sent, whatever its signature.
func assertionClaims(raw string) map[string]any {
	t, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range t.Claims.(jwt.MapClaims) {
		out[k] = v
	}
	for _, h := range []string{"alg", "kid", "typ"} {
		if v, ok := t.Header[h]; ok {
			out["header."+h] = v
		}
	}
	return out
}

// explainAssertion turns a validation error into what differs, in plain words: the JWT
// library's wording ("token is unverifiable: error while executing keyfunc") is dropped,
// though the error still wraps its sentinel for errors.Is.
func (p *Provider) explainAssertion(err error, c map[string]any) error {
	plain := func(format string, a ...any) error { return &plainError{fmt.Sprintf(format, a...), err} }
	var ke *keyError
	switch {
	case errors.As(err, &ke):
		return plain("%s", ke.msg)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return plain("client_assertion is not a JWT (three base64url parts separated by dots): %s",
			sanitize.Clean(strings.TrimPrefix(err.Error(), jwt.ErrTokenMalformed.Error()+": ")))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		return plain("the header's alg is %s; the registered token_endpoint_auth_signing_alg is %s, and CIS2 verifies with that alone",
			sanitize.Clean(fmt.Sprint(c["header.alg"])), p.client.TokenEndpointAuthSigningAlg)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return plain("the signature does not verify with the key published under kid %q: the assertion was signed with another private key than the one whose public half is in the JWKS",
			sanitize.Clean(fmt.Sprint(c["header.kid"])))
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		aud := fmt.Sprint(c["aud"])
		hint := ""
		switch {
		case aud == p.issuer:
			hint = ": that is the issuer; CIS2 (ForgeRock AM) wants the token endpoint (RFC 10070 libraries default to the issuer)"
		case strings.Replace(aud, ":443", "", 1) == strings.Replace(p.TokenEndpoint(), ":443", "", 1):
			hint = ": only the port differs; compare byte for byte"
		}
		return plain("aud is %q, want the token endpoint %s exactly%s", sanitize.Clean(aud), p.TokenEndpoint(), hint)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidSubject):
		return plain("iss %q and sub %q must both be the client_id %s",
			sanitize.Clean(fmt.Sprint(c["iss"])), sanitize.Clean(fmt.Sprint(c["sub"])), p.client.ClientID)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return plain("iat is %s ahead of CIS2's clock (more than the %s allowed): the application's clock is fast; keep it in sync (NTP)",
			claimTime(c["iat"]).Sub(p.now()).Round(time.Second), leeway)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return plain("nbf is %s ahead of CIS2's clock (more than the %s allowed): the application's clock is fast; keep it in sync (NTP)",
			claimTime(c["nbf"]).Sub(p.now()).Round(time.Second), leeway)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return plain("the assertion has no exp: CIS2 wants a short-lived assertion (NHS teams give it 5 minutes)")
	case errors.Is(err, jwt.ErrTokenExpired):
		return plain("exp passed %s ago by CIS2's clock: sign a fresh assertion for each token request (NHS teams give it 5 minutes), and keep the clock in sync (NTP)",
			p.now().Sub(claimTime(c["exp"])).Round(time.Second))
	}
	return err
}

// plainError says in plain words what its wrapped error says in a library's.
type plainError struct {
	msg string
	err error
}

func (e *plainError) Error() string { return e.msg }
func (e *plainError) Unwrap() error { return e.err }

// keyError is why no published key can verify the assertion, already in plain words.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }

func keyErrorf(format string, a ...any) error { return &keyError{fmt.Sprintf(format, a...)} }

// claimTime reads a NumericDate claim as decoded from JSON (zero time when it is not one).
func claimTime(v any) time.Time {
	if f, ok := v.(float64); ok {
		return time.Unix(int64(f), 0)
	}
	return time.Time{}
}

// assertionKey finds the key that must have signed the assertion: the one in the
// application's published JWKS with the header's kid, able to verify the header's alg.
func (p *Provider) assertionKey(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, keyErrorf("the assertion's header has no kid: CIS2 picks the key by kid")
	}
	set, err := p.fetchAppJWKS(ctx)
	if err != nil {
		return nil, keyErrorf("%v", err)
	}
	found := set.ByKID(kid)
	if len(found) == 0 {
		return nil, keyErrorf("kid %q is not in the relying party's JWKS at %s", sanitize.Clean(kid), p.client.JWKSURI)
	}
	// Keys of different types may share a kid (RFC 7517 §4.5): the key is the one that can
	// verify the alg, as the live assertion check selects it.
	alg := t.Method.Alg()
	switch ks := keys.Verifiers(found, []string{alg}); len(ks) {
	case 1:
		return ks[0].Public, nil
	case 0:
		return nil, keyErrorf("the published key %q cannot verify %s: %v", sanitize.Clean(kid), alg, found[0].CheckAlg(alg))
	default:
		return nil, keyErrorf("%d keys with kid %q in the JWKS can verify %s: a verifier cannot tell which signed; give each key its own kid", len(ks), sanitize.Clean(kid), alg)
	}
}

// fetchAppJWKS reads the application's JWKS the way CIS2 would: from the registered jwks_uri,
// now (no cache, so a key just published is seen), bounded in time and size.
func (p *Provider) fetchAppJWKS(ctx context.Context) (*keys.Set, error) {
	ctx, cancel := p.withTimeout(ctx)
	defer cancel()
	ev := Event{Endpoint: AppJWKS, Method: http.MethodGet, Path: p.client.JWKSURI, Outcome: Sent}
	fail := func(err error) (*keys.Set, error) {
		ev.Outcome, ev.Plain = Failed, "could not read the application's JWKS: "+err.Error()
		p.record(ev)
		return nil, fmt.Errorf("fetch relying party JWKS: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.client.JWKSURI, nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	ev.Status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("status %d", resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, keys.MaxSetBytes+1))
	if err != nil {
		return fail(err)
	}
	set, err := keys.ParseSet(body)
	if err != nil {
		return fail(err)
	}
	if set.Single {
		// As the live jwks.fetch check says: a jwks_uri serves a JWK Set (RFC 7517 §5).
		return fail(errors.New(`the body is a single JWK, not a JWK Set: wrap it as {"keys": [ <your JWK> ]}`))
	}
	kids := make([]string, len(set.Keys))
	var leaked []string
	for i, k := range set.Keys {
		kids[i] = k.Label()
		if k.HasPrivate() {
			leaked = append(leaked, fmt.Sprintf("%s (%s)", k.Label(), strings.Join(k.PrivateMembers, ", ")))
		}
	}
	ev.Plain = fmt.Sprintf("fetched the application's JWKS: %d key(s): %s", len(set.Keys), strings.Join(kids, ", "))
	if len(leaked) > 0 {
		// CIS2 would still use the public half; the leak is the application's finding.
		ev.Outcome, ev.Finding = Failed, model.Fail
		ev.Plain += "; PRIVATE KEY MATERIAL published in " + strings.Join(leaked, "; ") +
			": anyone who fetches the JWKS can sign as the application. Publish only the public half (`cis2-golive keys`) and replace the key"
	}
	p.record(ev)
	return set, nil
}

// useJTI records an assertion id and refuses one seen before (replay), forgetting ids once
// their assertion has expired.
func (p *Provider) useJTI(jti string, exp time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for id, until := range p.seenJTI {
		if now.After(until.Add(leeway)) {
			delete(p.seenJTI, id)
		}
	}
	if _, dup := p.seenJTI[jti]; dup {
		return fmt.Errorf("jti %q was already used (a replayed assertion)", sanitize.Clean(jti))
	}
	p.seenJTI[jti] = exp
	return nil
}
