package model

import (
	"strings"
	"testing"
)

func TestDiffLive(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		field  string
		update NHSUpdate
		why    string
	}{
		{"redirect added", func(c *Config) { c.RedirectURIs = append(c.RedirectURIs, "https://new.acme-health.co.uk/cb") }, "redirect_uris[2]", UpdateYes, "added"},
		{"redirect removed", func(c *Config) { c.RedirectURIs = c.RedirectURIs[:1] }, "redirect_uris[1]", UpdateYes, "removed"},
		{"logout uri", func(c *Config) { c.BackchannelLogoutURI = "https://epr.acme-health.co.uk/bcl" }, "backchannel_logout_uri", UpdateYes, "NHS England deploys"},
		{"auth method", func(c *Config) { c.TokenEndpointAuthMethod = ClientSecretBasic }, "token_endpoint_auth_method", UpdateYes, "conformance"},
		{"jwks uri", func(c *Config) { c.JWKSURI = "https://keys.acme-health.co.uk/jwks" }, "jwks_uri", UpdateYes, "2 weeks"},
		{"signing alg", func(c *Config) { c.TokenEndpointAuthSigningAlg = "RS256" }, "token_endpoint_auth_signing_alg", UpdateYes, "step 1"},
		{"userinfo signing", func(c *Config) { c.UserinfoSignedResponseAlg = "RS256" }, "userinfo_signed_response_alg", UpdateYes, "step 1"},
		{"organisation", func(c *Config) { c.Organisation = "Acme Group" }, "organisation", UpdateNo, "not part"},
		{"contact", func(c *Config) { c.ContactEmail = "ops@acme-health.co.uk" }, "contact_email", UpdateNo, "not part"},
		{"description", func(c *Config) { c.Description = "EPR" }, "description", UpdateUnconfirmed, "does not say"},
		{"product (client_name)", func(c *Config) { c.Product = "Acme EPR 2" }, "product", UpdateUnconfirmed, "client_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := prodConfig()
			tt.change(next)
			cs := DiffLive(prodConfig(), next)
			if len(cs) != 1 || cs[0].Field != tt.field || cs[0].NHSUpdate != tt.update || !strings.Contains(cs[0].Why, tt.why) {
				t.Fatalf("want one change %s (%s, why containing %q), got %+v", tt.field, tt.update, tt.why, cs)
			}
			if NeedsNHSUpdate(cs) != (tt.update == UpdateYes) {
				t.Errorf("NeedsNHSUpdate = %v", NeedsNHSUpdate(cs))
			}
		})
	}
}

func TestDiffLiveNoChange(t *testing.T) {
	next := prodConfig()
	next.RedirectURIs[0], next.RedirectURIs[1] = next.RedirectURIs[1], next.RedirectURIs[0]
	if cs := DiffLive(prodConfig(), next); len(cs) != 0 {
		t.Errorf("reordered redirect URIs are no change, got %+v", cs)
	}
}
