// Package model holds the relying party configuration a supplier sends NHS England to put a
// CIS2 Authentication integration live, its loading and saving, and the offline rules that
// check it. It is pure Go: no terminal, no network.
package model

// Config is a relying party's CIS2 client configuration. Field names follow OIDC Dynamic
// Client Registration (RFC 7591 / OIDC Registration) so the file reads like the standard.
// It never holds a secret: no client secret, no private key.
type Config struct {
	Environment  Environment `yaml:"environment" json:"environment"`
	Organisation string      `yaml:"organisation,omitempty" json:"organisation,omitempty"`
	Product      string      `yaml:"product,omitempty" json:"product,omitempty"`
	ContactEmail string      `yaml:"contact_email,omitempty" json:"contact_email,omitempty"`
	// Description is the Connection Manager client description (optional).
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// ClientID is assigned by CIS2; optional until it is known.
	ClientID             string   `yaml:"client_id,omitempty" json:"client_id,omitempty"`
	RedirectURIs         []string `yaml:"redirect_uris" json:"redirect_uris"`
	BackchannelLogoutURI string   `yaml:"backchannel_logout_uri" json:"backchannel_logout_uri"`
	// TokenEndpointAuthMethod is the security pattern: private_key_jwt (recommended) or
	// client_secret_basic ("Client Secret").
	TokenEndpointAuthMethod AuthMethod `yaml:"token_endpoint_auth_method" json:"token_endpoint_auth_method"`
	// JWKSURI and TokenEndpointAuthSigningAlg are required for private_key_jwt only.
	JWKSURI                     string `yaml:"jwks_uri,omitempty" json:"jwks_uri,omitempty"`
	TokenEndpointAuthSigningAlg string `yaml:"token_endpoint_auth_signing_alg,omitempty" json:"token_endpoint_auth_signing_alg,omitempty"`
	// UserinfoSignedResponseAlg is empty when userinfo responses are not signed.
	UserinfoSignedResponseAlg string `yaml:"userinfo_signed_response_alg,omitempty" json:"userinfo_signed_response_alg,omitempty"`
	// LoginURL is the application's page that starts a CIS2 sign-in (optional). It is not part
	// of what NHS deploys: the login probe fetches it to see the authorize request the
	// application really builds.
	LoginURL string `yaml:"login_url,omitempty" json:"login_url,omitempty"`

	// FromConnectionManager is set by Load when the file was a Connection Manager export. It
	// says where the values came from (such an export records no userinfo signing), so it is
	// never saved.
	FromConnectionManager bool `yaml:"-" json:"-"`
}

// Fields lists the configuration's keys in file order; the loader uses it to name unknown keys.
var Fields = []string{
	"environment", "organisation", "product", "contact_email", "description", "client_id",
	"redirect_uris", "backchannel_logout_uri", "token_endpoint_auth_method", "jwks_uri",
	"token_endpoint_auth_signing_alg", "userinfo_signed_response_alg", "login_url",
}

// secretKeys are keys that would hold a secret. A file holding one is refused outright: the
// tool must never copy a secret into a draft, a submission or a report.
var secretKeys = []string{
	"client_secret", "private_key", "private_key_pem", "private_key_jwt_key", "key", "secret",
	"password", "d", "p", "q", "dp", "dq", "qi", "k",
}

// EffectiveEnvironment is the environment rules apply to: an unset one is treated as
// production, the stricter of the two.
func (c *Config) EffectiveEnvironment() Environment {
	if c.Environment == "" {
		return Production
	}
	return c.Environment
}

// UsesPrivateKeyJWT reports whether the configuration declares private key JWT.
func (c *Config) UsesPrivateKeyJWT() bool { return c.TokenEndpointAuthMethod == PrivateKeyJWT }

// CIS2 returns the CIS2 endpoints for the configuration's environment.
func (c *Config) CIS2() CIS2Environment {
	if e, ok := CIS2.Environments[c.EffectiveEnvironment()]; ok {
		return e
	}
	return CIS2.Environments[Production]
}

// Used is the configuration as its security pattern uses it: a client secret client has no
// JWKS URI or token endpoint signing algorithm. The wizard keeps the answers to both patterns
// while the user decides (switching back loses nothing); what it checks and writes is this.
func (c Config) Used() Config {
	c = c.Clone()
	if c.TokenEndpointAuthMethod.IsSecret() {
		c.JWKSURI, c.TokenEndpointAuthSigningAlg = "", ""
	}
	return c
}
