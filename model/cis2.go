package model

import "slices"

// This file is the one place that holds what NHS England's pages say about CIS2 today.
// When NHS changes a list, the change is a one-line edit here; nothing else in the tool
// hard-codes these values. Items marked "unconfirmed" in ../shared/cis2-reference.md are
// marked here too, so they are easy to find and revisit.

// AuthMethod is an OIDC token_endpoint_auth_method value.
type AuthMethod string

// The token endpoint authentication methods cis2-golive knows about.
const (
	PrivateKeyJWT     AuthMethod = "private_key_jwt"
	ClientSecretBasic AuthMethod = "client_secret_basic"
	ClientSecretPost  AuthMethod = "client_secret_post"
	ClientSecretJWT   AuthMethod = "client_secret_jwt"
)

// Environment is the CIS2 environment a configuration targets.
type Environment string

// The environments a configuration can target.
const (
	Integration Environment = "integration"
	Production  Environment = "production"
)

// CIS2Environment describes one CIS2 environment: where its discovery document lives and the
// values a client assertion must use. Read live values from discovery when reachable; these are
// the fallback snapshot. The issuer keeps its explicit ":443": CIS2 writes it that way and
// issuer comparison is byte-for-byte.
type CIS2Environment struct {
	Name          Environment
	Host          string
	Discovery     string
	Issuer        string
	TokenEndpoint string
	JWKSURI       string
	// AuthorizeEndpoint is where the application sends the browser to sign in.
	AuthorizeEndpoint string
}

const healthcareRealm = "/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare"

func cis2Env(name Environment, host string) CIS2Environment {
	base := "https://" + host + ":443" + healthcareRealm
	return CIS2Environment{
		Name:          name,
		Host:          host,
		Discovery:     "https://" + host + healthcareRealm + "/.well-known/openid-configuration",
		Issuer:        base,
		TokenEndpoint: base + "/access_token",
		JWKSURI:       base + "/connect/jwk_uri",
		// The browser is sent here; the ":443" is CIS2's own spelling, as in the issuer.
		AuthorizeEndpoint: base + "/authorize",
	}
}

// CIS2 is the table of CIS2 facts the tool relies on.
var CIS2 = struct {
	// AuthMethods are the security patterns NHS's current go-live page offers, recommended first.
	AuthMethods []AuthMethod
	// LegacyAuthMethods still load, with a warning: older NHS guidance listed them, the current
	// pages do not offer them.
	LegacyAuthMethods []AuthMethod
	// TokenEndpointSigningAlgs is the Connection Manager enum for jwks_uri_signing_algorithm.
	TokenEndpointSigningAlgs []string
	// UserinfoSigningAlgs: CIS2 signs with RS256 unless asked otherwise; the allowed set is
	// unconfirmed, so this lists the asymmetric algorithms ForgeRock AM advertises by default.
	UserinfoSigningAlgs []string
	// Environments maps each environment to its CIS2 endpoints.
	Environments map[Environment]CIS2Environment
	// NonProductionHosts are host fragments that mean "not production CIS2 / not a live host".
	NonProductionHosts []string
	// TestHostSuffixes fail in production: nobody outside the supplier can reach them.
	TestHostSuffixes []string
	// ExampleHostPrefixes warn in production: documentation placeholders left in by mistake.
	ExampleHostPrefixes []string
	// ClientIDPattern is the inferred client_id format (unconfirmed): <digits>.apps.<kind>.
	ClientIDPattern string
	// Scopes are the scopes an authorize request may ask for. Source: NHS England, CIS2
	// "Scopes and claims" (digital.nhs.uk/services/care-identity-service/applications-and-services/
	// cis2-authentication/integrate/design-and-build/scopes-and-claims, read Nov 2026), plus the
	// four more in a copy of CIS2 INT's discovery document (github.com/nervecentresoftware/CIS2-JWKS,
	// int/config, 2023-08 to 2024-02). A live --discovery document's scopes_supported wins.
	Scopes []string
	// ACRValues are CIS2's acr_values_supported, from the same INT discovery copy (2023-08 to
	// 2024-02). A live --discovery document's list wins.
	ACRValues []string
	// ResponseModes are the response_mode values CIS2 accepts: query only. Release 11.01 of CIS2
	// Authentication (8 Dec 2025) withdrew form_post, though discovery may still advertise it.
	ResponseModes []string
	// WithdrawnResponseModes say why a response_mode fails, for the ones NHS withdrew.
	WithdrawnResponseModes map[string]string
}{
	AuthMethods:              []AuthMethod{PrivateKeyJWT, ClientSecretBasic},
	LegacyAuthMethods:        []AuthMethod{ClientSecretPost, ClientSecretJWT},
	TokenEndpointSigningAlgs: []string{"RS256", "RS512"},
	UserinfoSigningAlgs:      []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"},
	Environments: map[Environment]CIS2Environment{
		Integration: cis2Env(Integration, "am.nhsint.auth-ptl.cis2.spineservices.nhs.uk"),
		Production:  cis2Env(Production, "am.nhsidentity.spineservices.nhs.uk"),
	},
	NonProductionHosts:  []string{"nhsint", "nhsdev", "nhsdep", "auth-ptl", "-int.", ".int.", "staging", "uat."},
	TestHostSuffixes:    []string{".local", ".test", ".invalid", ".localhost", ".internal", ".ngrok.io", ".ngrok-free.app", ".ngrok.app", ".ngrok.dev"},
	ExampleHostPrefixes: []string{"example."},
	ClientIDPattern:     `^[0-9]+\.apps\.(national|supplier)$`,
	Scopes: []string{"openid", "profile", "email", "nhsperson", "associatedorgs", "nationalrbacaccess",
		"professionalmemberships", "organisationalmemberships", "selectedrole",
		"changedrole", "orgaccess", "universalaccess", "odscodes"},
	ACRValues: []string{"AAL2_OR_AAL3_ANY", "AAL3_ANY", "AAL3_CIS2_SMARTCARD", "AAL3_IOS", "AAL2_TOTP",
		"AAL3_FIDO2", "AAL2_ANY", "AAL3_N3_SMARTCARD", "AAL3_SMARTCARD"},
	ResponseModes: []string{"query"},
	WithdrawnResponseModes: map[string]string{
		"form_post": "CIS2 withdrew response_mode=form_post in release 11.01 (8 December 2025): sign-in fails",
	},
}

// Offered reports whether NHS's current pages offer the method.
func (m AuthMethod) Offered() bool { return slices.Contains(CIS2.AuthMethods, m) }

// Legacy reports whether the method loads only with a warning.
func (m AuthMethod) Legacy() bool { return slices.Contains(CIS2.LegacyAuthMethods, m) }

// Known reports whether the method is one cis2-golive understands.
func (m AuthMethod) Known() bool { return m.Offered() || m.Legacy() }

// IsSecret reports whether the method is one of the client secret patterns.
func (m AuthMethod) IsSecret() bool { return m.Known() && m != PrivateKeyJWT }
