package checks

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// clientAssertionType is the RFC 7523 client_assertion_type for private_key_jwt.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// tokenProbe is token.probe: POST a signed client assertion with a dummy authorization code
// to the CIS2 token endpoint. invalid_grant means CIS2 authenticated the client (and then
// rejected the made-up code); invalid_client means it did not. Opt-in only: it is the one
// check that sends something to NHS.
func (r *run) tokenProbe(ctx context.Context) Result {
	if !r.opts.ProbeTokenEndpoint {
		return Result{Status: model.Skip, Message: "opt-in: --probe-token-endpoint sends one token request to CIS2 to confirm NHS has deployed your configuration (use it on the go-live call)"}
	}
	if r.cfg.ClientID == "" {
		return Result{Status: model.Skip, Message: "needs client_id: CIS2 can only authenticate a client it knows", Fix: "add the client_id CIS2 issued"}
	}
	if len(r.cfg.RedirectURIs) == 0 {
		return Result{Status: model.Skip, Message: "needs a redirect URI for the token request (see the config findings)"}
	}
	if other, ok := r.discovery(ctx).otherEnvironment(r.cfg); ok {
		return Result{Status: model.Skip, Message: fmt.Sprintf("not sent: the discovery document is CIS2 %s's, not %s's (see cis2.algs)", other, r.cfg.EffectiveEnvironment()),
			Fix: "pass --discovery " + r.cfg.CIS2().Discovery}
	}
	a, res := r.signAssertion(ctx)
	if res != nil {
		return *res
	}
	form := url.Values{
		"grant_type":            {"authorization_code"},
		"code":                  {"cis2-golive-probe-" + rand.Text()},
		"redirect_uri":          {r.cfg.RedirectURIs[0]},
		"client_id":             {r.cfg.ClientID},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {a.token},
	}
	ev := map[string]string{"url": a.aud, "kid": sanitize.Clean(a.kid), "alg": a.alg}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.aud, strings.NewReader(form.Encode()))
	if err != nil {
		return Result{Status: model.Fail, Message: "the token endpoint is not a URL: " + sanitize.Clean(a.aud), Evidence: ev}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := noRedirects(r.client).Do(req)
	if err != nil {
		return Result{Status: model.Fail, Message: "no answer from the token endpoint: " + describeErr(err), Evidence: ev,
			Fix: "check this machine can reach CIS2 (" + sanitize.Clean(a.aud) + ")"}
	}
	defer resp.Body.Close()
	ev["status"] = strconv.Itoa(resp.StatusCode)
	body, err := readBody(resp.Body, MaxSmallBody)
	if err != nil && !errors.Is(err, ErrBodyTooLarge) {
		return Result{Status: model.Fail, Message: "the token endpoint's answer did not finish: " + describeErr(err), Evidence: ev}
	}
	return tokenAnswer(resp.StatusCode, body, ev)
}

// tokenAnswer judges the token endpoint's answer to the probe from its status and (capped)
// body, adding what it read to ev. The body is the server's: everything quoted is cleaned.
func tokenAnswer(status int, body []byte, ev map[string]string) Result {
	var oauthErr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &oauthErr)
	ev["error"] = sanitize.Clean(oauthErr.Error)
	ev["error_description"] = sanitize.Clean(oauthErr.Description)
	said := fmt.Sprintf("HTTP %d %s", status, ev["error"])
	if ev["error_description"] != "" {
		said += " (" + ev["error_description"] + ")"
	}
	switch oauthErr.Error {
	case "invalid_grant":
		return Result{Status: model.Pass, Evidence: ev,
			Message: "CIS2 accepted the client authentication and rejected only the dummy code: " + said}
	case "invalid_client":
		return Result{Status: model.Fail, Evidence: ev,
			Message: "CIS2 rejected the client authentication: " + said,
			Fix:     "confirm with NHS that the production configuration is deployed with this jwks_uri and alg; CIS2 gives the same message for a wrong aud/iss/sub, kid or alg, or an unreachable JWKS"}
	}
	return Result{Status: model.Warn, Evidence: ev,
		Message: "unexpected answer from the token endpoint: " + sanitize.Clean(said),
		Fix:     "expected invalid_grant (client authenticated) or invalid_client (not authenticated)"}
}
