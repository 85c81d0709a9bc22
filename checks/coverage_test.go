package checks

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// planResults is what a whole run of Plan on cfg returns, every check passing, with the URL
// the endpoint checks record.
func planResults(cfg *model.Config) []Result {
	rs := Offline(cfg, nil)
	urls := map[string]string{}
	for _, e := range endpoints(cfg) {
		urls[e.field] = e.raw
	}
	for _, c := range Plan(cfg, Options{}) {
		r := Result{ID: c.ID, Target: c.Target, Status: model.Pass}
		if u, ok := urls[c.Target]; ok {
			r.Evidence = map[string]string{"url": u}
		}
		rs = append(rs, r)
	}
	return rs
}

func TestUncheckedHeldToPlan(t *testing.T) {
	cfg := pkjwtConfig("https://a.cis2-golive.test/cb", "https://b.cis2-golive.test/logout", "https://c.cis2-golive.test/jwks")
	fields := []string{"redirect_uris[0]", "backchannel_logout_uri", "jwks_uri"}
	// Every check Plan runs on an endpoint is one Unchecked asks for, and no other.
	for _, f := range fields {
		var planned []string
		for _, c := range Plan(cfg, Options{}) {
			if c.Target == f {
				planned = append(planned, c.ID)
			}
		}
		if want := endpointChecks(f); !slices.Equal(planned, want) {
			t.Errorf("Plan runs %v on %s, Unchecked asks for %v", planned, f, want)
		}
	}
	if gaps := Unchecked(cfg, planResults(cfg)); len(gaps) > 0 {
		t.Fatalf("a whole run leaves %q unchecked", gaps)
	}
}

// edited is rs with edit applied to a copy of each live result on target.
func edited(rs []Result, target string, edit func(*Result)) []Result {
	out := slices.Clone(rs)
	for i := range out {
		if out[i].Target == target && !strings.HasPrefix(out[i].ID, "config.") {
			out[i].Evidence = maps.Clone(out[i].Evidence)
			edit(&out[i])
		}
	}
	return out
}

func TestUnchecked(t *testing.T) {
	base := func() *model.Config {
		return pkjwtConfig("https://a.cis2-golive.test/cb", "https://b.cis2-golive.test/logout", "https://c.cis2-golive.test/jwks")
	}
	run := planResults(base())
	withLogin := func() *model.Config {
		c := base()
		c.LoginURL = "https://a.cis2-golive.test/login"
		return c
	}
	if gaps := Unchecked(withLogin(), planResults(withLogin())); len(gaps) > 0 {
		t.Fatalf("a whole run with a login_url leaves %q unchecked", gaps)
	}
	without := func(id, target string) []Result {
		return slices.DeleteFunc(slices.Clone(run), func(r Result) bool { return r.ID == id && r.Target == target })
	}
	tests := []struct {
		name    string
		cfg     func() *model.Config
		results []Result
		want    string // in the gaps
	}{
		{"a redirect URI added since the run", func() *model.Config {
			c := base()
			c.RedirectURIs = append(c.RedirectURIs, "https://new.cis2-golive.test/cb")
			return c
		}, run, `redirect_uris[1]: no uri.resolve, uri.tls, uri.reachable result for "https://new.cis2-golive.test/cb"`},
		{"the JWKS URI moved since the run", func() *model.Config {
			c := base()
			c.JWKSURI = "https://keys.cis2-golive.test/jwks"
			return c
		}, run, `jwks_uri: the live checks tested "https://c.cis2-golive.test/jwks", the configuration has "https://keys.cis2-golive.test/jwks"`},
		{"private key JWT chosen since a client secret run", base,
			planResults(&model.Config{RedirectURIs: []string{"https://a.cis2-golive.test/cb"}, BackchannelLogoutURI: "https://b.cis2-golive.test/logout",
				TokenEndpointAuthMethod: model.ClientSecretBasic}), "jwks_uri: no uri.resolve, uri.tls, uri.reachable, jwks.fetch"},
		{"the logout probe edited out", base, without(IDBCL, "backchannel_logout_uri"), `backchannel_logout_uri: no bcl.rejects-bogus-token result for "https://b.cis2-golive.test/logout"`},
		{"the offline results edited out", base,
			slices.DeleteFunc(slices.Clone(run), func(r Result) bool { return strings.HasPrefix(r.ID, "config.") }),
			`token_endpoint_auth_signing_alg: no offline result for "RS512"`},
		{"no algorithm check", base, without(IDCIS2Algs, targetDiscovery), "no cis2.algs result"},
		{"every check of an endpoint edited to a skip", base, edited(run, "backchannel_logout_uri", func(r *Result) {
			r.Status, r.Message = model.Skip, "skipped"
		}), `backchannel_logout_uri: no live result records testing "https://b.cis2-golive.test/logout"`},
		{"the URLs edited out", base, edited(run, "jwks_uri", func(r *Result) { delete(r.Evidence, "url") }),
			`jwks_uri: no live result records testing "https://c.cis2-golive.test/jwks"`},
		{"the login probe edited out", withLogin, slices.DeleteFunc(planResults(withLogin()), func(r Result) bool { return r.ID == IDLogin }),
			`login_url: no login.authorize-request result for "https://a.cis2-golive.test/login"`},
		{"the login probe's result edited to a skip", withLogin, edited(planResults(withLogin()), loginTarget, func(r *Result) {
			r.Status, r.Message = model.Skip, "no login_url"
		}), `login_url: no login.authorize-request result for "https://a.cis2-golive.test/login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gaps := Unchecked(tt.cfg(), tt.results)
			if !slices.ContainsFunc(gaps, func(g string) bool { return strings.Contains(g, tt.want) }) {
				t.Errorf("gaps %q, want one with %q", gaps, tt.want)
			}
		})
	}
	// A run interrupted still names every check: what did not finish is golive's to judge.
	cancelled := slices.Clone(run)
	for i := range cancelled {
		if !strings.HasPrefix(cancelled[i].ID, "config.") {
			cancelled[i] = Result{ID: cancelled[i].ID, Target: cancelled[i].Target, Status: model.Skip, Message: "cancelled"}
		}
	}
	if gaps := Unchecked(base(), cancelled); len(gaps) > 0 {
		t.Errorf("an interrupted run leaves %q unchecked", gaps)
	}
}
