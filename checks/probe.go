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
	// The probe goes only to the token endpoint of the document the run read: the live one
	// asked for, or the snapshot of the configuration's own environment. Never to another.
	d := r.discovery(ctx)
	if skip := d.unavailable(); skip != nil {
		skip.Message = "not sent: " + skip.Message
		return *skip
	}
	if other, ok := d.otherEnvironment(r.cfg); ok {
		return Result{Status: model.Skip, Message: fmt.Sprintf("not sent: the discovery document is CIS2 %s's, not %s's (see cis2.algs)", other, r.cfg.EffectiveEnvironment()),
			Fix: "pass --discovery " + r.cfg.CIS2().Discovery}
	}
	s := r.signed(ctx)
	if s.res != nil {
		return *s.res
	}
	a := s.a
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
	return reconcile(tokenAnswer(resp.StatusCode, body, ev), a.kid, s.verifyErr)
}

// reconcile says why, when CIS2's answer to the probe and assertion.sign-verify's local
// verification of the same assertion disagree, so one run never shows two unexplained
// opposite verdicts. kid is the assertion's.
func reconcile(res Result, kid string, verifyErr error) Result {
	switch {
	case res.Status == model.Fail && verifyErr == nil && kid == "":
		// Verified here only because a one-key set needs no kid (RFC 7517 §4.5); CIS2 picks
		// the key by kid, as assertion.sign-verify warns.
		res.Message += "; the assertion carries no kid, because the JWKS's only key has none: CIS2 selects the key by kid (see assertion.sign-verify)"
		res.Fix = "give the published key a kid (its RFC 7638 thumbprint is a good one) and sign with it"
	case res.Status == model.Fail && verifyErr == nil:
		res.Evidence["disagrees_with"] = IDAssertion
		res.Message += "; yet this same assertion verified against the JWKS fetched here (assertion.sign-verify), so CIS2 judges it " +
			"with something else: a configuration not deployed yet (client_id, jwks_uri or alg), an older copy of your JWKS it still " +
			"caches, or a JWKS fetched from another URL"
	case res.Status == model.Pass && verifyErr != nil:
		res.Evidence["disagrees_with"] = IDAssertion
		res.Status = model.Warn
		res.Message += "; but this same assertion does not verify against the JWKS fetched here (" + sanitize.Clean(verifyErr.Error()) +
			"): CIS2 picks the key more leniently than assertion.sign-verify, and a stricter verifier, or a CIS2 change, would refuse it"
		res.Fix = "fix what assertion.sign-verify reports, so every verifier agrees"
	}
	return res
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
