package checks

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
	"github.com/golang-jwt/jwt/v5"
)

// backchannelLogoutEvent is the events member that makes a JWT a logout token (OIDC BCL §2.4).
const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// placeholderClientID stands in for a client_id the configuration does not have yet; results
// that use it say so.
const placeholderClientID = "cis2-golive-placeholder.apps.supplier"

// bcl is bcl.rejects-bogus-token: the back-channel logout endpoint must answer 400 to a logout
// token that looks right (CIS2's issuer, your client_id, the logout event, RS256 like CIS2) but is
// signed by a key CIS2 never published. Accepting it means the endpoint does not verify
// signatures, so anyone could log your users out.
func (r *run) bcl(ctx context.Context, e endpoint) Result {
	if e.url == nil {
		return e.unparsed()
	}
	ev := e.evidence()
	token, err := r.bogusLogoutToken()
	if err != nil {
		return Result{Status: model.Fail, Message: "could not build the test logout token: " + err.Error(), Evidence: ev}
	}
	form := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.raw, strings.NewReader(form))
	if err != nil {
		return e.unparsed()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirects(r.client).Do(req)
	if err != nil {
		return Result{Status: model.Fail, Message: "no answer to the logout POST: " + describeErr(err),
			Fix: "deploy the back-channel logout endpoint and make it reachable from the internet", Evidence: ev}
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body, MaxSmallBody)
	code := resp.StatusCode
	ev["status"] = strconv.Itoa(code)
	if err != nil && !errors.Is(err, ErrBodyTooLarge) {
		return Result{Status: model.Fail, Message: fmt.Sprintf("answered %d but the body did not finish: %s", code, describeErr(err)),
			Fix: "answer promptly with a short body; CIS2 will not wait", Evidence: ev}
	}
	ev["cache_control"] = sanitize.Clean(resp.Header.Get("Cache-Control"))
	if excerpt := sanitize.Clean(string(body)); excerpt != "" {
		ev["body"] = excerpt
	}
	noStore := hasDirective(resp.Header.Values("Cache-Control"), "no-store")
	ev["no_store"] = strconv.FormatBool(noStore)

	res := Result{Evidence: ev}
	switch {
	case code == http.StatusBadRequest:
		res.Status = model.Pass
		res.Message = "answered 400 to a logout token signed by an unknown key, as OIDC Back-Channel Logout requires"
	case code >= 200 && code < 300:
		res.Status = model.Fail
		res.Message = fmt.Sprintf("answered %d to a logout token signed by a key CIS2 never published: it accepts tokens it cannot have verified", code)
		res.Fix = "verify the logout token's signature against CIS2's jwks_uri (and iss, aud, iat, events) and answer 400 when it fails"
	case code == http.StatusNotFound:
		res.Status = model.Fail
		res.Message = "answered 404: nothing is served at this path"
		res.Fix = "check the path is exactly the one your application routes to its logout handler"
	case code == http.StatusMethodNotAllowed:
		res.Status = model.Fail
		res.Message = "answered 405: the endpoint does not accept POST"
		res.Fix = "accept POST with an application/x-www-form-urlencoded logout_token"
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		// NHS's own logout endpoint (NHSDigital/identity-service-api) allowlists CIS2's
		// addresses and answers 403 to anyone else, 401 to an unknown kid: a refusal here says
		// nothing about whether the token would be verified, so it is not a failure.
		res.Status = model.Warn
		res.Message = fmt.Sprintf("answered %d: inconclusive: the endpoint refused the probe before reading the token — "+
			"typical of an IP allowlist for CIS2's addresses; run from an allowlisted host or confirm with NHS", code)
		res.Fix = "run the check from an allowlisted host, or confirm with NHS; if it is session authentication or CSRF " +
			"protection instead, exempt the endpoint: CIS2 sends neither"
	case code >= 300 && code < 400:
		res.Status = model.Fail
		res.Message = fmt.Sprintf("answered %d, redirecting to %s: CIS2 does not follow redirects when it posts a logout token",
			code, sanitize.Clean(resp.Header.Get("Location")))
		res.Fix = "register the final URL, and exempt it from login redirects"
	case code >= 500:
		res.Status = model.Fail
		res.Message = fmt.Sprintf("answered %d: the endpoint fails on an invalid token instead of rejecting it", code)
		res.Fix = "catch token validation errors and answer 400"
	default:
		res.Status = model.Warn
		res.Message = fmt.Sprintf("answered %d; OIDC Back-Channel Logout says to answer 400 to an invalid token", code)
		res.Fix = "answer 400 when the logout token does not validate"
	}
	if noStore {
		res.Message += "; sets Cache-Control: no-store"
	} else {
		res.Message += "; does not set Cache-Control: no-store, which the spec asks for"
	}
	return res
}

// throwawayKey signs the bogus logout token: generated once per process, never stored or
// shown, so nobody can have its public half. RSA generation can take a second on a loaded
// machine; Plan starts it early so it is not charged to the check's timeout.
var throwawayKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// bogusLogoutToken signs a logout token with the throwaway key.
func (r *run) bogusLogoutToken() (string, error) {
	key, err := throwawayKey()
	if err != nil {
		return "", err
	}
	now := r.opts.Now()
	aud := r.cfg.ClientID
	if aud == "" {
		aud = placeholderClientID
	}
	claims := jwt.MapClaims{
		"iss":    r.cfg.CIS2().Issuer,
		"aud":    aud,
		"sub":    "cis2-golive-test-user",
		"sid":    rand.Text(),
		"jti":    rand.Text(),
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"events": map[string]any{backchannelLogoutEvent: map[string]any{}},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = "cis2-golive-unknown-key"
	return t.SignedString(key)
}

// hasDirective reports whether a Cache-Control header carries the directive.
func hasDirective(values []string, directive string) bool {
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), directive) {
				return true
			}
		}
	}
	return false
}
