package checks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// The client assertion lint's ids: one per rule, so each problem is its own line.
const (
	IDLintDecoded   = "assertion.lint.decoded"
	IDLintAlg       = "assertion.lint.alg"
	IDLintKID       = "assertion.lint.kid"
	IDLintSignature = "assertion.lint.signature"
	IDLintIssSub    = "assertion.lint.iss-sub"
	IDLintAud       = "assertion.lint.aud"
	IDLintLifetime  = "assertion.lint.lifetime"
	IDLintIssuedAt  = "assertion.lint.iat"
	IDLintJTI       = "assertion.lint.jti"
	IDLintTyp       = "assertion.lint.typ"
)

// Limits of the lint. An assertion lives minutes, and NHS teams use 5: a longer one is a
// bearer credential for longer than needed. 60 s of future iat/nbf is the leeway a verifier
// can be expected to give a clock.
const (
	lintMaxLifetime = 5 * time.Minute
	lintFutureSkew  = 60 * time.Second
	// lintUnreasonableExpiry is ForgeRock AM's limit on a JWT's exp: an assertion expiring more
	// than a day after it arrives is refused (OAuth2Jwt's UNREASONABLE_LIFETIME_LIMIT).
	lintUnreasonableExpiry = 24 * time.Hour
	// MaxAssertionBytes bounds what is read as an assertion: a real one is under 2 KiB.
	MaxAssertionBytes = 64 << 10
)

// typRFC10070 is the typ RFC 10070 gives client assertions (which it also gives the issuer as
// their sole audience).
const typRFC10070 = "client-authentication+jwt"

// lintTarget is the target of the decode result: the parameter the application posts it in.
const lintTarget = "client_assertion"

// jwtPattern finds a compact JWS in pasted text (a log line, a form body).
var jwtPattern = regexp.MustCompile(`[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`)

// ExtractAssertion finds the client assertion in what was pasted: the JWT itself, a token
// request body (client_assertion=…), or a log line holding one. It returns "" when there is none.
func ExtractAssertion(pasted string) string {
	s := strings.TrimSpace(pasted)
	if i := strings.Index(s, "client_assertion="); i >= 0 {
		if v, err := url.ParseQuery(s[i:]); err == nil {
			s = v.Get("client_assertion")
		}
	}
	// A log line holds other dotted words (a logger's class name, a host name) before the
	// JWT: the first whose header decodes to a JSON object is the JWT, else the first match.
	found := jwtPattern.FindAllString(s, -1)
	for _, m := range found {
		header, _, _ := strings.Cut(m, ".")
		if h, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "=")); err == nil && bytes.HasPrefix(bytes.TrimSpace(h), []byte("{")) {
			return m
		}
	}
	if len(found) > 0 {
		return found[0]
	}
	return ""
}

// decodedAssertion is an assertion decoded without trusting it: nothing here has been
// verified, and the token itself is kept only to verify its signature, never reported.
type decodedAssertion struct {
	token  string
	header map[string]any
	claims jwt.MapClaims
	err    error
}

// AssertionLint plans the checks of a client assertion captured from the application (as it
// would post it to CIS2's token endpoint): header and claims against the configuration and the
// token endpoint, the kid and signature against the published JWKS. The JWKS is the run's one
// fetch of jwks_uri, as jwks.fetch does, whose result is the first check; or, when jwks is not
// nil, a set the caller read (a file about to be published), and then nothing is fetched. The
// assertion is a bearer credential for a few minutes: only its decoded header and claims reach
// a result, never the token.
func AssertionLint(cfg *model.Config, opts Options, token string, jwks *keys.Set) []Check {
	r := newRun(cfg, opts)
	var list []Check
	if jwks != nil {
		r.jwksOnce.get(func() jwksFetch { return jwksFetch{set: jwks} })
	} else if _, ok := endpointFor(cfg, "jwks_uri"); ok {
		list = append(list, r.jwksFetchCheck())
	}
	if jwks != nil || len(list) > 0 {
		// The one rule for "may this JWKS be used", as for the live checks: a set CIS2 would
		// refuse fails here, and the kid and signature lines then skip (see publishedKeys).
		list = append(list, Check{ID: IDJWKSPublic, Target: "jwks_uri", Priority: Critical, After: r.awaitJWKS, Run: r.publicOnly})
	}
	d := decodeAssertion(token)
	add := func(id, target string, needsJWKS bool, f func(context.Context, decodedAssertion) Result) {
		c := Check{ID: id, Target: target, Priority: Critical, Run: func(ctx context.Context) Result {
			if d.err != nil && id != IDLintDecoded {
				return Result{Status: model.Skip, Message: "not a client assertion: see " + IDLintDecoded}
			}
			return f(ctx, d)
		}}
		if needsJWKS {
			c.After = r.awaitJWKS
		}
		list = append(list, c)
	}
	add(IDLintDecoded, lintTarget, false, func(context.Context, decodedAssertion) Result { return lintDecoded(d) })
	add(IDLintAlg, "header.alg", false, r.lintAlg)
	add(IDLintKID, "header.kid", true, r.lintKID)
	add(IDLintSignature, "signature", true, r.lintSignature)
	add(IDLintIssSub, "claims.iss", false, r.lintIssSub)
	add(IDLintAud, "claims.aud", false, r.lintAud)
	add(IDLintLifetime, "claims.exp", false, r.lintLifetime)
	add(IDLintIssuedAt, "claims.iat", false, r.lintIssuedAt)
	add(IDLintJTI, "claims.jti", false, r.lintJTI)
	add(IDLintTyp, "header.typ", false, r.lintTyp)
	return list
}

// decodeAssertion decodes the compact JWS with golang-jwt, verifying nothing.
func decodeAssertion(token string) decodedAssertion {
	d := decodedAssertion{token: token, claims: jwt.MapClaims{}}
	if len(token) > MaxAssertionBytes {
		d.err = fmt.Errorf("it is %d bytes; a client assertion is under 2 KiB", len(token))
		return d
	}
	t, _, err := jwt.NewParser().ParseUnverified(token, d.claims)
	if err != nil {
		d.err = fmt.Errorf("it does not decode as a signed JWT (header.payload.signature, base64url): %s", sanitize.Clean(err.Error()))
		return d
	}
	d.header = t.Header
	return d
}

func lintDecoded(d decodedAssertion) Result {
	if d.err != nil {
		return Result{Status: model.Fail, Message: "not a client assertion: " + d.err.Error(),
			Fix: "paste the client_assertion value the application sends to the token endpoint (it starts eyJ)"}
	}
	header, _ := json.Marshal(d.header)
	claims, _ := json.Marshal(d.claims)
	ev := map[string]string{"header": sanitize.CleanN(string(header), 1000), "claims": sanitize.CleanN(string(claims), 2000)}
	return Result{Status: model.Pass, Evidence: ev,
		Message: "decoded, not yet trusted: header " + sanitize.CleanN(string(header), 300) + ", claims " + sanitize.CleanN(string(claims), 600)}
}

// str is a header or claim as a string, and whether it is one.
func str(m map[string]any, name string) (string, bool) {
	v, ok := m[name].(string)
	return v, ok
}

func (r *run) lintAlg(_ context.Context, d decodedAssertion) Result {
	alg, _ := str(d.header, "alg")
	want := r.cfg.TokenEndpointAuthSigningAlg
	ev := map[string]string{"alg": sanitize.Clean(alg), "declared": want}
	switch {
	case alg == "" || strings.EqualFold(alg, "none"):
		return Result{Status: model.Fail, Evidence: ev, Message: "the assertion is not signed (alg " + strconv.Quote(ev["alg"]) + ")",
			Fix: "sign it with the declared algorithm, " + orDefault(want, "RS256 or RS512")}
	case strings.HasPrefix(alg, "HS"):
		return Result{Status: model.Fail, Evidence: ev,
			Message: "alg " + ev["alg"] + " is an HMAC (client_secret_jwt), not private_key_jwt: CIS2 verifies with your published public key",
			Fix:     "sign with your private key and " + orDefault(want, "RS256 or RS512")}
	case want == "":
		return Result{Status: model.Warn, Evidence: ev, Message: "alg " + ev["alg"] + "; the configuration declares no token_endpoint_auth_signing_alg to compare it with",
			Fix: "declare the alg you sign with (RS256 or RS512)"}
	case alg != want:
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("alg %s, but the configuration declares %s: CIS2 refuses an assertion signed with another alg than the registered one (JWT is not valid)", ev["alg"], want),
			Fix:     fmt.Sprintf("sign with %s, or register %s with NHS (it is part of the production configuration)", want, ev["alg"])}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: "alg " + alg + ", as declared"}
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// publishedKeys is the JWKS the lint compares with, or the skip to report when there is none.
func (r *run) publishedKeys(ctx context.Context) (*keys.Set, *Result) {
	if _, ok := endpointFor(r.cfg, "jwks_uri"); !ok && r.jwks(ctx).set == nil {
		return nil, &Result{Status: model.Skip, Message: "the configuration has no jwks_uri (private_key_jwt only) to look the kid up in"}
	}
	if skip := r.usableJWKS(ctx); skip != nil {
		return nil, skip
	}
	return r.jwks(ctx).set, nil
}

func (r *run) lintKID(ctx context.Context, d decodedAssertion) Result {
	kid, isString := str(d.header, "kid")
	ev := map[string]string{"kid": sanitize.Clean(kid)}
	if !isString || kid == "" {
		return Result{Status: model.Fail, Evidence: ev,
			Message: "the header has no kid: CIS2 picks the key to verify with by kid, and answers JWT is not valid without one",
			Fix:     "put the published JWK's kid in the assertion header"}
	}
	set, skip := r.publishedKeys(ctx)
	if skip != nil {
		return *skip
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, sanitize.Clean(k.Label()))
	}
	ev["published"] = sanitize.Join(kids, ", ")
	if len(set.ByKID(kid)) == 0 {
		msg := fmt.Sprintf("kid %s is not in the published JWKS (%s)", strconv.Quote(ev["kid"]), ev["published"])
		if kid == r.cfg.ClientID {
			msg += "; it is the client_id, not a key id"
		}
		return Result{Status: model.Fail, Evidence: ev, Message: msg,
			Fix: "sign with a published key and put its kid in the header, or publish the key you sign with"}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: "kid " + ev["kid"] + " is in the published JWKS"}
}

func (r *run) lintSignature(ctx context.Context, d decodedAssertion) Result {
	kid, _ := str(d.header, "kid")
	alg, _ := str(d.header, "alg")
	set, skip := r.publishedKeys(ctx)
	if skip != nil {
		return *skip
	}
	candidates := set.ByKID(kid)
	if kid == "" && len(set.Keys) == 1 {
		candidates = set.Keys
	}
	candidates = keys.Verifiers(candidates, []string{alg})
	if len(candidates) == 0 {
		return Result{Status: model.Skip, Message: "no published key for this kid can verify " + sanitize.Clean(alg) + ": see " + IDLintKID + " and " + IDLintAlg}
	}
	var lastErr error
	for _, k := range candidates {
		_, err := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithoutClaimsValidation()).
			Parse(d.token, func(*jwt.Token) (any, error) { return k.Public, nil })
		if err == nil {
			return Result{Status: model.Pass, Evidence: map[string]string{"kid": sanitize.Clean(k.Label())},
				Message: "the signature verifies with the published key " + sanitize.Clean(k.Label())}
		}
		lastErr = err
	}
	return Result{Status: model.Fail, Evidence: map[string]string{"kid": sanitize.Clean(kid)},
		Message: "the signature does not verify with the published key " + strconv.Quote(sanitize.Clean(kid)) + ": " + sanitize.Clean(lastErr.Error()),
		Fix:     "the application signs with another key than the one published under this kid: publish its public half, or sign with the published one"}
}

func (r *run) lintIssSub(_ context.Context, d decodedAssertion) Result {
	iss, _ := str(d.claims, "iss")
	sub, _ := str(d.claims, "sub")
	id := r.cfg.ClientID
	ev := map[string]string{"iss": sanitize.Clean(iss), "sub": sanitize.Clean(sub), "client_id": id}
	var problems []string
	switch {
	case iss == "" || sub == "":
		problems = append(problems, "iss and sub must both be present (RFC 7523 §3)")
	case iss != sub:
		problems = append(problems, fmt.Sprintf("iss %s and sub %s differ: both must be the client_id", strconv.Quote(ev["iss"]), strconv.Quote(ev["sub"])))
	}
	if id != "" {
		for _, c := range []struct{ name, v string }{{"iss", iss}, {"sub", sub}} {
			if c.v != "" && c.v != id {
				problems = append(problems, fmt.Sprintf("%s %s is not the client_id %s", c.name, strconv.Quote(sanitize.Clean(c.v)), id))
			}
		}
	}
	if len(problems) > 0 {
		return Result{Status: model.Fail, Evidence: ev, Message: strings.Join(problems, "; ") + " (CIS2: JWT is not valid)",
			Fix: "set iss and sub to the client_id CIS2 issued (" + orDefault(id, "<digits>.apps.supplier") + "), not an app key or name"}
	}
	if id == "" {
		return Result{Status: model.Warn, Evidence: ev, Message: "iss = sub = " + ev["iss"] + "; the configuration has no client_id to compare with",
			Fix: "add the client_id CIS2 issued to the configuration"}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: "iss = sub = the client_id " + id}
}

func (r *run) lintAud(ctx context.Context, d decodedAssertion) Result {
	disc := r.discovery(ctx)
	want := disc.doc.TokenEndpoint
	if skip := disc.unavailable(); skip != nil {
		return *skip
	}
	ev := map[string]string{"token_endpoint": want, "source": disc.source()}
	var got string
	switch aud := d.claims["aud"].(type) {
	case nil:
		return Result{Status: model.Fail, Evidence: ev, Message: "no aud: CIS2 needs the token endpoint as the audience",
			Fix: "set aud to " + want}
	case string:
		got = aud
	case []any:
		// RFC 7523 §3 (and RFC 7519 §4.1.3) let aud be an array; ForgeRock AM accepts one that
		// holds the token endpoint (its check is "the audiences contain the token endpoint").
		// CIS2 documents only the token endpoint itself, so it warns.
		var raw, shown []string
		for _, a := range aud {
			s, _ := a.(string)
			raw = append(raw, s)
			shown = append(shown, sanitize.CleanN(s, 300))
		}
		ev["aud"] = sanitize.Join(shown, ", ")
		if slices.Contains(raw, want) {
			return Result{Status: model.Warn, Evidence: ev,
				Message: "aud is an array that holds the token endpoint (" + ev["aud"] + "): RFC 7523 §3 allows it and ForgeRock AM accepts it, but CIS2 documents no array: send the one string",
				Fix:     "set aud to the single string " + want}
		}
		msg := "aud is an array (" + ev["aud"] + ") and none of them is the token endpoint " + want
		if len(raw) == 1 {
			msg += ": " + audDifference(raw[0], want, disc.doc.Issuer)
		}
		return Result{Status: model.Fail, Evidence: ev, Message: msg + " (CIS2: JWT is not valid)", Fix: "set aud to the single string " + want}
	default:
		return Result{Status: model.Fail, Evidence: ev, Message: "aud is not a string", Fix: "set aud to " + want}
	}
	ev["aud"] = sanitize.CleanN(got, 300)
	if got == want {
		return Result{Status: model.Pass, Evidence: ev, Message: "aud is the token endpoint exactly, " + want}
	}
	return Result{Status: model.Fail, Evidence: ev,
		Message: "aud " + ev["aud"] + " is not the token endpoint " + want + ": " + audDifference(got, want, disc.doc.Issuer) + " (CIS2: JWT is not valid)",
		Fix:     "set aud to " + want + " byte for byte, as the discovery document writes it"}
}

// audDifference says exactly how an aud differs from the token endpoint.
func audDifference(got, want, issuer string) string {
	wantNoPort := strings.Replace(want, ":443/", "/", 1)
	switch {
	case got == issuer:
		return "it is the issuer, not the token endpoint (RFC 10070's audience; CIS2, on ForgeRock AM, expects the token endpoint)"
	case got == strings.Replace(issuer, ":443/", "/", 1) || got == strings.Replace(issuer, ":443", "", 1):
		return "it is the issuer without its :443, not the token endpoint"
	case got == wantNoPort:
		return "the :443 is missing (CIS2 writes it, and compares byte for byte)"
	case strings.TrimSuffix(got, "/") == want || strings.TrimSuffix(got, "/") == wantNoPort:
		return "a trailing slash differs"
	case strings.EqualFold(got, want):
		return "the letter case differs"
	}
	gu, err1 := url.Parse(got)
	wu, err2 := url.Parse(want)
	if err1 == nil && err2 == nil && !strings.EqualFold(gu.Hostname(), wu.Hostname()) {
		if env, ok := cis2EnvironmentOf(gu); ok {
			return "it is CIS2 " + string(env) + "'s token endpoint"
		}
		return "another host"
	}
	return "another path"
}

// numericDate reads a NumericDate claim (RFC 7519 §2), and whether it is there and a number.
func numericDate(c jwt.MapClaims, name string) (time.Time, bool, bool) {
	v, present := c[name]
	if !present {
		return time.Time{}, false, false
	}
	f, ok := v.(float64)
	if !ok {
		return time.Time{}, true, false
	}
	return time.Unix(int64(f), 0), true, true
}

func (r *run) lintLifetime(_ context.Context, d decodedAssertion) Result {
	now := r.opts.Now()
	exp, present, ok := numericDate(d.claims, "exp")
	switch {
	case !present:
		return Result{Status: model.Fail, Message: "no exp: CIS2 needs an expiry (RFC 7523 §3)", Fix: "set exp to iat + 5 minutes at most"}
	case !ok:
		return Result{Status: model.Fail, Message: "exp is not a number of seconds (NumericDate, RFC 7519 §2)", Fix: "write exp as seconds since 1970"}
	}
	ev := map[string]string{"exp": exp.UTC().Format(time.RFC3339)}
	if ahead := exp.Sub(now); ahead > lintUnreasonableExpiry {
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("exp is %s ahead, more than a day: ForgeRock AM, which CIS2 runs, refuses an assertion whose expiry is that far off (JWT is not valid)", ahead.Round(time.Minute)),
			Fix:     "set exp to iat + 5 minutes at most, and sign a fresh assertion per token request"}
	}
	iat, _, iatOK := numericDate(d.claims, "iat")
	if iatOK {
		life := exp.Sub(iat)
		ev["lifetime_seconds"] = strconv.Itoa(int(life.Seconds()))
		switch {
		case life <= 0:
			return Result{Status: model.Fail, Evidence: ev, Message: "exp is not after iat: the assertion was born expired",
				Fix: "set exp to iat + a few minutes"}
		case life > lintMaxLifetime:
			return Result{Status: model.Warn, Evidence: ev,
				Message: fmt.Sprintf("lives %s (exp - iat): more than %s, a bearer credential for longer than needed; CIS2's own limit is not published, and a long one may be refused", life.Round(time.Second), lintMaxLifetime),
				Fix:     "set exp to iat + 5 minutes at most, and sign a fresh assertion per token request"}
		}
	}
	if !now.Before(exp) {
		return Result{Status: model.Warn, Evidence: ev,
			Message: fmt.Sprintf("expired %s ago (at %s): CIS2 would refuse it now; if it was captured earlier, lint it with --at the time it was sent", now.Sub(exp).Round(time.Second), ev["exp"]),
			Fix:     "lint an assertion as soon as it is captured, or pass --at"}
	}
	msg := "exp " + ev["exp"] + ", in the future"
	if iatOK {
		msg += fmt.Sprintf("; lives %s", exp.Sub(iat).Round(time.Second))
	}
	return Result{Status: model.Pass, Evidence: ev, Message: msg}
}

func (r *run) lintIssuedAt(_ context.Context, d decodedAssertion) Result {
	now := r.opts.Now()
	ev := map[string]string{"now": now.UTC().Format(time.RFC3339)}
	var notes []string
	for _, name := range []string{"iat", "nbf"} {
		t, present, ok := numericDate(d.claims, name)
		switch {
		case !present:
			continue
		case !ok:
			return Result{Status: model.Fail, Evidence: ev, Message: name + " is not a number of seconds (NumericDate, RFC 7519 §2)",
				Fix: "write " + name + " as seconds since 1970"}
		}
		ev[name] = t.UTC().Format(time.RFC3339)
		if ahead := t.Sub(now); ahead > lintFutureSkew {
			return Result{Status: model.Fail, Evidence: ev,
				Message: fmt.Sprintf("%s is %s in the future: the signing server's clock is ahead, and CIS2 refuses the assertion (JWT is not valid)", name, ahead.Round(time.Second)),
				Fix:     "synchronise the signing server's clock with NTP (see clock.skew)"}
		}
		notes = append(notes, name+" "+ev[name])
	}
	if _, present := d.claims["iat"]; !present {
		return Result{Status: model.Warn, Evidence: ev, Message: "no iat: NHS teams send one, and CIS2's need of it is not published",
			Fix: "set iat to the time of signing"}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: strings.Join(notes, ", ") + ": not in the future"}
}

func (r *run) lintJTI(_ context.Context, d decodedAssertion) Result {
	jti, ok := str(d.claims, "jti")
	if !ok || jti == "" {
		return Result{Status: model.Fail, Message: "no jti: CIS2 needs a unique id per assertion (RFC 7523 §3), to refuse replays",
			Fix: "set jti to a fresh random value for every assertion"}
	}
	return Result{Status: model.Pass, Evidence: map[string]string{"length": strconv.Itoa(len(jti))},
		Message: fmt.Sprintf("jti present (%d characters)", len(jti))}
}

func (r *run) lintTyp(_ context.Context, d decodedAssertion) Result {
	typ, isString := str(d.header, "typ")
	_, has := d.header["typ"]
	ev := map[string]string{"typ": sanitize.Clean(typ)}
	switch {
	case !has:
		return Result{Status: model.Pass, Evidence: ev, Message: "no typ (optional)"}
	case !isString:
		return Result{Status: model.Warn, Evidence: ev, Message: "typ is not a string", Fix: "drop typ, or set it to JWT"}
	case strings.EqualFold(typ, "JWT"):
		return Result{Status: model.Pass, Evidence: ev, Message: "typ " + ev["typ"]}
	case strings.EqualFold(typ, typRFC10070):
		return Result{Status: model.Pass, Evidence: ev,
			Message: "typ " + typRFC10070 + " (RFC 10070), which also makes the issuer the audience: CIS2, on ForgeRock AM, expects the token endpoint (see " + IDLintAud + ")"}
	}
	return Result{Status: model.Warn, Evidence: ev, Message: "typ " + strconv.Quote(ev["typ"]) + " is not one a client assertion uses",
		Fix: "drop typ, or set it to JWT"}
}
