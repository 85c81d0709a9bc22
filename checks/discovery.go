package checks

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// snapshots holds the embedded CIS2 discovery snapshots, one per environment. The endpoints in
// them must agree with model.CIS2 (a test checks it); the algorithm lists are what this file
// adds, with the unconfirmed ones named in x_cis2_golive_unconfirmed.
//
//go:embed data/discovery-*.json
var snapshots embed.FS

// discoveryDoc is the part of an OIDC discovery document the checks use.
type discoveryDoc struct {
	Issuer        string   `json:"issuer"`
	TokenEndpoint string   `json:"token_endpoint"`
	JWKSURI       string   `json:"jwks_uri"`
	IDTokenAlgs   []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	UserinfoAlgs  []string `json:"userinfo_signing_alg_values_supported"`
	AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
	// The login probe's: where the browser signs in, and what it may ask for there.
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	Scopes                []string `json:"scopes_supported"`
	ACRValues             []string `json:"acr_values_supported"`
	ResponseModes         []string `json:"response_modes_supported"`
	// Unconfirmed names the fields whose values no NHS source confirms (snapshot only).
	Unconfirmed []string `json:"x_cis2_golive_unconfirmed"`
}

// snapshot returns the embedded discovery snapshot for an environment.
func snapshot(env model.Environment) (discoveryDoc, error) {
	var d discoveryDoc
	data, err := snapshots.ReadFile("data/discovery-" + string(env) + ".json")
	if err != nil {
		return d, fmt.Errorf("no discovery snapshot for environment %q", env)
	}
	return d, json.Unmarshal(data, &d)
}

// discovery is the document the run relies on: fetched live from Options.Discovery when
// given, else the embedded snapshot for the configuration's environment. Nothing falls back
// to another document: when the one asked for cannot be had, err says why and every check
// that needs it skips (cis2.algs fails), so no assertion is signed for, or sent to, a token
// endpoint nobody chose.
type discovery struct {
	doc  discoveryDoc
	live bool
	err  error
}

// unavailable is the skip of a check that needs the document when there is none.
func (d discovery) unavailable() *Result {
	if d.err == nil {
		return nil
	}
	return &Result{Status: model.Skip, Message: "no discovery document: " + d.err.Error() + " (see cis2.algs)"}
}

// otherEnvironment names the CIS2 environment a live document belongs to when it is a known
// CIS2 environment other than the configuration's: an INT discovery URL passed for a
// production configuration would otherwise quietly make INT's token endpoint the assertion's
// aud, and the token probe would ask INT, on a production go-live call. Unknown hosts (the
// sandbox's fake CIS2) are not judged.
func (d discovery) otherEnvironment(cfg *model.Config) (model.Environment, bool) {
	if !d.live {
		return "", false
	}
	u, err := url.Parse(d.doc.Issuer)
	if err != nil {
		return "", false
	}
	for name, e := range model.CIS2.Environments {
		if strings.EqualFold(u.Hostname(), e.Host) && name != cfg.EffectiveEnvironment() {
			return name, true
		}
	}
	return "", false
}

// source names where the document came from, for messages.
func (d discovery) source() string {
	switch {
	case d.live:
		return "the live discovery document"
	case d.err != nil:
		return "no discovery document"
	}
	return "the embedded discovery snapshot"
}

// discovery loads the live document at most once per run (see jwks on ctx).
func (r *run) discovery(ctx context.Context) discovery {
	return r.discOnce.get(func() discovery { return r.loadDiscovery(asCritical(ctx)) })
}

func (r *run) loadDiscovery(ctx context.Context) discovery {
	if r.opts.Discovery == "" {
		env := r.cfg.EffectiveEnvironment()
		snap, err := snapshot(env)
		if err != nil {
			return discovery{err: fmt.Errorf("cis2-golive has no discovery snapshot for environment %q; pass --discovery URL", sanitize.Clean(string(env)))}
		}
		return discovery{doc: snap}
	}
	live, err := r.fetchDiscovery(ctx, r.opts.Discovery)
	if err != nil {
		return discovery{err: fmt.Errorf("could not read --discovery %s: %w", sanitize.Clean(r.opts.Discovery), err)}
	}
	r.opts.Observe.recordDiscovery(live)
	return discovery{doc: live, live: true}
}

func (r *run) fetchDiscovery(ctx context.Context, u string) (discoveryDoc, error) {
	var d discoveryDoc
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return d, fmt.Errorf("--discovery %q is not a URL", sanitize.Clean(u))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return d, errors.New(describeErr(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("answered HTTP %d", resp.StatusCode)
	}
	body, err := readBody(resp.Body, MaxDocumentBody)
	if err != nil {
		return d, errors.New(describeErr(err))
	}
	return parseDiscovery(body)
}

// parseDiscovery reads a live discovery document (the server's bytes): it must name an issuer
// and a token endpoint, and every string kept is cleaned, since they reach messages.
func parseDiscovery(body []byte) (discoveryDoc, error) {
	var d discoveryDoc
	if err := json.Unmarshal(body, &d); err != nil {
		return d, errors.New("the answer is not a JSON discovery document")
	}
	if d.Issuer == "" || d.TokenEndpoint == "" {
		return d, errors.New("the document has no issuer or token_endpoint")
	}
	d.Unconfirmed = nil // a live document is the confirmation
	// The endpoints are used, not only shown (the token endpoint is the assertion's aud and
	// where token.probe posts), so they are validated and kept exactly, never cleaned: a
	// cleaned or truncated URL would be a different URL.
	for name, u := range map[string]string{"issuer": d.Issuer, "token_endpoint": d.TokenEndpoint, "jwks_uri": d.JWKSURI,
		"authorization_endpoint": d.AuthorizationEndpoint} {
		if u == "" && (name == "jwks_uri" || name == "authorization_endpoint") {
			continue
		}
		if err := checkEndpointURL(u); err != nil {
			return d, fmt.Errorf("the document's %s %w", name, err)
		}
	}
	for _, l := range []*[]string{&d.IDTokenAlgs, &d.TokenAuthAlgs, &d.UserinfoAlgs, &d.AuthMethods, &d.Scopes, &d.ACRValues, &d.ResponseModes} {
		for i := range *l {
			(*l)[i] = sanitize.Clean((*l)[i])
		}
	}
	return d, nil
}

// maxEndpointURL bounds a URL taken from a discovery document; real ones are ~120 bytes.
const maxEndpointURL = 2048

// checkEndpointURL accepts an absolute https URL of printable ASCII only, so the exact value
// is safe both to use and to print.
func checkEndpointURL(u string) error {
	if len(u) > maxEndpointURL {
		return fmt.Errorf("is longer than %d bytes", maxEndpointURL)
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= 0x20 || u[i] >= 0x7f {
			return errors.New("has characters a URL cannot hold")
		}
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" {
		return errors.New("is not an absolute https URL")
	}
	return nil
}

// The rules of cis2.algs (Result.Rules, with the declared field as Subject).
const (
	// RuleAlgNotAdvertised: the declared value is not in the document's list. It fails against
	// a live document, and warns against the snapshot, whose lists no NHS page confirms.
	RuleAlgNotAdvertised = "not-advertised"
	// RuleAlgNoList: the document has no such list, so nothing confirms the value.
	RuleAlgNoList = "no-list"
)

// cis2Algs is cis2.algs: the declared security pattern and algorithms are among those CIS2's
// discovery document advertises.
func (r *run) cis2Algs(ctx context.Context) Result {
	d := r.discovery(ctx)
	type declared struct{ field, value, listName string }
	var decl []declared
	if m := r.cfg.TokenEndpointAuthMethod; m != "" {
		decl = append(decl, declared{"token_endpoint_auth_method", string(m), "token_endpoint_auth_methods_supported"})
	}
	if a := r.cfg.TokenEndpointAuthSigningAlg; a != "" && r.cfg.UsesPrivateKeyJWT() {
		decl = append(decl, declared{"token_endpoint_auth_signing_alg", a, "token_endpoint_auth_signing_alg_values_supported"})
	}
	if a := r.cfg.UserinfoSignedResponseAlg; a != "" {
		decl = append(decl, declared{"userinfo_signed_response_alg", a, "userinfo_signing_alg_values_supported"})
	}
	lists := map[string][]string{
		"token_endpoint_auth_methods_supported":            d.doc.AuthMethods,
		"token_endpoint_auth_signing_alg_values_supported": d.doc.TokenAuthAlgs,
		"userinfo_signing_alg_values_supported":            d.doc.UserinfoAlgs,
	}
	ev := map[string]string{"source": d.source()}
	if r.opts.Discovery != "" {
		ev["url"] = r.opts.Discovery
	}
	if d.err != nil {
		// The document asked for is the one this check reports on: a --discovery that cannot be
		// read fails here, once, and the checks that need it skip pointing here.
		res := Result{Status: model.Fail, Message: d.err.Error() + "; nothing was compared, signed for or sent elsewhere instead", Evidence: ev,
			Fix: "check the --discovery URL is the environment's .well-known/openid-configuration and reachable from here"}
		if r.opts.Discovery == "" {
			res.Status, res.Fix = model.Skip, "set environment to production or integration"
		}
		return res
	}
	res := Result{Status: model.Pass, Evidence: ev}
	var notes []string
	worsen := func(rule, field string, s model.Severity, fix string) {
		res.Rules = append(res.Rules, Rule{ID: rule, Status: s, Subject: field})
		if rank(s) > rank(res.Status) {
			res.Status = s
			res.Fix = fix
		}
	}
	if other, ok := d.otherEnvironment(r.cfg); ok {
		env := r.cfg.EffectiveEnvironment()
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("the discovery document is CIS2 %s's, but this configuration is for %s", other, env),
			Fix:     "pass --discovery " + r.cfg.CIS2().Discovery}
	}
	if len(decl) == 0 {
		return Result{Status: model.Skip, Message: "no security pattern or algorithm declared (see the config findings)", Evidence: ev}
	}
	for _, dc := range decl {
		list := lists[dc.listName]
		unconfirmed := slices.Contains(d.doc.Unconfirmed, dc.listName)
		ev[dc.listName] = sanitize.Join(list, " ")
		switch {
		case slices.Contains(list, dc.value):
			n := fmt.Sprintf("%s %s is in %s", dc.field, dc.value, dc.listName)
			if unconfirmed {
				n += " (snapshot values unconfirmed by NHS)"
			}
			notes = append(notes, n)
		case len(list) == 0:
			notes = append(notes, fmt.Sprintf("%s does not list %s, so %s %s cannot be confirmed", d.source(), dc.listName, dc.field, dc.value))
			worsen(RuleAlgNoList, dc.field, model.Warn, "confirm the value with NHS before submitting")
		case unconfirmed:
			notes = append(notes, fmt.Sprintf("%s %s is not in the snapshot's %s (values unconfirmed by NHS)", dc.field, dc.value, dc.listName))
			worsen(RuleAlgNotAdvertised, dc.field, model.Warn, "re-run with --discovery <the environment's discovery URL> to compare with the live document")
		default:
			notes = append(notes, fmt.Sprintf("%s %s is not in %s: CIS2 will not accept it", dc.field, dc.value, dc.listName))
			worsen(RuleAlgNotAdvertised, dc.field, model.Fail, "use one of: "+sanitize.Join(list, ", "))
		}
	}
	res.Message = strings.Join(notes, "; ") + " (" + d.source() + ")"
	return res
}
