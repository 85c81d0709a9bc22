package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
)

// endpointChecks are the live checks Plan runs on every endpoint of a field's kind: the three
// on each URI, then those of the logout and JWKS URIs. A test holds this list to Plan.
func endpointChecks(field string) []string {
	ids := []string{IDResolve, IDTLS, IDReachable}
	switch field {
	case "backchannel_logout_uri":
		ids = append(ids, IDBCL)
	case "jwks_uri":
		ids = append(ids, IDJWKSFetch, IDJWKSPublic, IDJWKSLint, IDJWKSAlgMatch, IDAssertion)
	}
	return ids
}

// Unchecked lists, one line each naming the field, what of cfg the results do not vouch for:
// a configured value no offline result is about, an endpoint missing one of the live checks
// Plan runs on it, or one whose live result recorded another URL. Results of an earlier
// version of the configuration (a redirect URI added since, a JWKS URI moved), or a results
// file edited down, leave something unchecked; none do when results are a whole run of Plan
// on cfg, finished or not.
func Unchecked(cfg *model.Config, rs []Result) []string {
	has := func(id, target string) []Result {
		var out []Result
		for _, r := range rs {
			if r.ID == id && r.Target == target {
				out = append(out, r)
			}
		}
		return out
	}
	gap := map[string]string{} // one a field: the live checks' when there is one
	for _, e := range endpoints(cfg) {
		var missing []string
		moved := ""
		// tested: a result recorded this URL and judged it; a run cut short is golive's to
		// judge (unfinished). Without either, skips alone or results that name no URL (a
		// results file edited down, or from another version) vouch for nothing.
		tested, unfinished := false, false
		for _, id := range endpointChecks(e.field) {
			found := has(id, e.field)
			if len(found) == 0 {
				missing = append(missing, id)
			}
			for _, r := range found {
				u, ok := r.Evidence["url"]
				if ok && u != e.raw && moved == "" {
					moved = u
				}
				tested = tested || (ok && u == e.raw && r.Status != model.Skip)
				unfinished = unfinished || r.Unfinished()
			}
		}
		switch { // one line a field: what was checked instead, or what was not
		case moved != "":
			gap[e.field] = fmt.Sprintf("%s: the live checks tested %q, the configuration has %q", e.field, moved, e.raw)
		case len(missing) > 0:
			gap[e.field] = fmt.Sprintf("%s: no %s result for %q", e.field, strings.Join(missing, ", "), e.raw)
		case !tested && !unfinished:
			gap[e.field] = fmt.Sprintf("%s: no live result records testing %q (each was skipped, or names no URL)", e.field, e.raw)
		}
	}
	var gaps []string
	for _, fv := range configuredFields(cfg) {
		switch {
		case gap[fv.field] != "":
			gaps = append(gaps, gap[fv.field])
		case !slices.ContainsFunc(rs, func(r Result) bool { return strings.HasPrefix(r.ID, "config.") && r.Target == fv.field }):
			gaps = append(gaps, fmt.Sprintf("%s: no offline result for %q", fv.field, fv.value))
		}
	}
	// With a login_url, the login probe's failures block (an INT client_id, a redirect_uri
	// NHS does not deploy): a result that it ran, not the skip of a run without one, must be
	// there.
	if cfg.LoginURL != "" && !slices.ContainsFunc(has(IDLogin, loginTarget), func(r Result) bool {
		return r.Status != model.Skip || r.Unfinished()
	}) {
		gaps = append(gaps, fmt.Sprintf("login_url: no %s result for %q", IDLogin, cfg.LoginURL))
	}
	if len(has(IDCIS2Algs, targetDiscovery)) == 0 {
		gaps = append(gaps, fmt.Sprintf("no %s result (the declared method and algorithms against CIS2's lists)", IDCIS2Algs))
	}
	return gaps
}
