package model

import "slices"

// This file is the one place that holds what NHS England's pages say about CIS2 today.
// When NHS changes a list, the change is a one-line edit here; nothing else in the tool
// hard-codes these values. Each list names its source and when it was seen; lists no NHS
// page confirms are marked "unconfirmed", so they are easy to find and revisit.

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
	// UserinfoSigningAlgs are the algorithms an RP may ask CIS2 to sign userinfo with, RS256
	// (CIS2's default) first. Anything else only warns: no NHS page lists them.
	UserinfoSigningAlgs []string
	// UserinfoAdvertisedAlgs is userinfo_signing_alg_values_supported as CIS2's discovery
	// document lists it, symmetric ones too; the embedded discovery snapshots carry the same.
	UserinfoAdvertisedAlgs []string
	// Withdrawn are values NHS has withdrawn although discovery may still advertise them: a
	// discovery listing is never proof that something works.
	Withdrawn []Withdrawal
	// Environments maps each environment to its CIS2 endpoints.
	Environments map[Environment]CIS2Environment
	// NonProductionHosts are fragments of CIS2's own non-production domains (INT, DEP, dev).
	NonProductionHosts []string
	// NonProductionLabels name a supplier's non-production hosts: a host label (the TLD
	// aside), or a hyphenated part of one, equal to one with or without a number after it
	// (epr.int.acme.co.uk, epr.acme-int.co.uk, int-epr.acme.co.uk, epr-uat2.acme.co.uk).
	NonProductionLabels []string
	// TestHostSuffixes fail in production: nobody outside the supplier can reach them. .test,
	// .example, .invalid and .localhost are reserved and never resolve on the internet
	// (RFC 2606 §2, RFC 6761 §6).
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
	// WithdrawnResponseModes say why a response_mode fails, for the ones NHS withdrew: the
	// response_mode entries of Withdrawn (filled from it, so the fact has one home).
	WithdrawnResponseModes map[string]string
	// Authenticators are the ways a CIS2 user signs in, each with the assurance level it
	// gives and the acr values it satisfies. Which authenticator satisfies which acr is read
	// from the value names; the amr strings other than N3_SMARTCARD are unconfirmed.
	Authenticators []Authenticator
	// IDAssuranceClaims name the ID token claim for the identity assurance level. NHS's
	// description says idassurancelevel; NHS's own services (eps-prescription-tracker-ui,
	// manage-breast-screening) read id_assurance_level. Unconfirmed which CIS2 sends, so a
	// CIS2 stand-in sends both.
	IDAssuranceClaims []string
}{
	AuthMethods:              []AuthMethod{PrivateKeyJWT, ClientSecretBasic},
	LegacyAuthMethods:        []AuthMethod{ClientSecretPost, ClientSecretJWT},
	TokenEndpointSigningAlgs: []string{"RS256", "RS512"},
	// userinfo_signing_alg_values_supported in a copy of CIS2 INT's discovery document
	// (github.com/nervecentresoftware/CIS2-JWKS int/config, seen 2023-08 to 2024-02) is ES384,
	// HS256, HS512, ES256, RS256, HS384, ES512: no RS384, RS512 or PS*. The HS* ones need a
	// shared client secret, so an RP is offered the asymmetric ones. Unconfirmed by NHS.
	UserinfoSigningAlgs:    []string{"RS256", "ES256", "ES384", "ES512"},
	UserinfoAdvertisedAlgs: []string{"ES384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512"},
	Withdrawn: []Withdrawal{
		// CIS2 Authentication release notes 11.01 (8 Dec 2025, NHS England digital site):
		// form_post discontinued, only query; suppliers still using it get authentication
		// failures, while discovery may still list it in response_modes_supported.
		{Parameter: "response_mode", Value: "form_post", Release: "11.01", Date: "2025-12-08",
			Note: "CIS2 withdrew response_mode=form_post in release 11.01 (8 December 2025): sign-in fails"},
	},
	Environments: map[Environment]CIS2Environment{
		Integration: cis2Env(Integration, "am.nhsint.auth-ptl.cis2.spineservices.nhs.uk"),
		Production:  cis2Env(Production, "am.nhsidentity.spineservices.nhs.uk"),
	},
	// CIS2's own domains: am.nhsint.auth-ptl.cis2.spineservices.nhs.uk (NHS discovery
	// guidance), nhsdev and nhsdep in Connection Manager's host names (NHSDigital/cis2-connman-cli).
	NonProductionHosts:  []string{"nhsint", "nhsdev", "nhsdep", "auth-ptl"},
	NonProductionLabels: []string{"int", "integration", "uat", "dev", "test", "qa", "staging", "stage", "preprod"},
	TestHostSuffixes:    []string{".local", ".test", ".example", ".invalid", ".localhost", ".internal", ".ngrok.io", ".ngrok-free.app", ".ngrok.app", ".ngrok.dev"},
	ExampleHostPrefixes: []string{"example."},
	ClientIDPattern:     `^[0-9]+\.apps\.(national|supplier)$`,
	Scopes: []string{"openid", "profile", "email", "nhsperson", "associatedorgs", "nationalrbacaccess",
		"professionalmemberships", "organisationalmemberships", "selectedrole",
		"changedrole", "orgaccess", "universalaccess", "odscodes"},
	ACRValues: []string{"AAL2_OR_AAL3_ANY", "AAL3_ANY", "AAL3_CIS2_SMARTCARD", "AAL3_IOS", "AAL2_TOTP",
		"AAL3_FIDO2", "AAL2_ANY", "AAL3_N3_SMARTCARD", "AAL3_SMARTCARD"},
	ResponseModes: []string{"query"},
	Authenticators: []Authenticator{
		{"Smartcard with Identity Agent", "N3_SMARTCARD", 3, []string{"AAL3_N3_SMARTCARD", "AAL3_SMARTCARD", "AAL3_ANY", "AAL2_OR_AAL3_ANY"}},
		{"CIS2 virtual smartcard", "CIS2_SMARTCARD", 3, []string{"AAL3_CIS2_SMARTCARD", "AAL3_SMARTCARD", "AAL3_ANY", "AAL2_OR_AAL3_ANY"}},
		{"Security key or Windows Hello (FIDO2)", "FIDO2", 3, []string{"AAL3_FIDO2", "AAL3_ANY", "AAL2_OR_AAL3_ANY"}},
		{"NHS Identity app on iOS", "IOS", 3, []string{"AAL3_IOS", "AAL3_ANY", "AAL2_OR_AAL3_ANY"}},
		{"Authenticator app (TOTP)", "TOTP", 2, []string{"AAL2_TOTP", "AAL2_ANY", "AAL2_OR_AAL3_ANY"}},
	},
	IDAssuranceClaims: []string{"idassurancelevel", "id_assurance_level"},
}

// Authenticator is one way a CIS2 user signs in.
type Authenticator struct {
	Name string   // as a user would call it
	AMR  string   // the amr value in the ID token
	AAL  int      // authentication_assurance_level: 2 or 3
	ACR  []string // the acr values it satisfies, the most specific first
}

// Satisfies reports whether signing in this way meets acr, one of CIS2.ACRValues.
func (a Authenticator) Satisfies(acr string) bool { return slices.Contains(a.ACR, acr) }

// Offered reports whether NHS's current pages offer the method.
func (m AuthMethod) Offered() bool { return slices.Contains(CIS2.AuthMethods, m) }

// Legacy reports whether the method loads only with a warning.
func (m AuthMethod) Legacy() bool { return slices.Contains(CIS2.LegacyAuthMethods, m) }

// Known reports whether the method is one cis2-golive understands.
func (m AuthMethod) Known() bool { return m.Offered() || m.Legacy() }

// IsSecret reports whether the method is one of the client secret patterns.
func (m AuthMethod) IsSecret() bool { return m.Known() && m != PrivateKeyJWT }

// Withdrawal is a parameter value NHS has withdrawn from CIS2.
type Withdrawal struct {
	Parameter, Value string
	// Release and Date are the CIS2 release that withdrew it.
	Release, Date string
	// Note says so in a sentence, for a finding's message.
	Note string
}

func init() {
	CIS2.WithdrawnResponseModes = map[string]string{}
	for _, w := range CIS2.Withdrawn {
		if w.Parameter == "response_mode" {
			CIS2.WithdrawnResponseModes[w.Value] = w.Note
		}
	}
}

// WithdrawnByNHS returns the withdrawal of a parameter's value, if NHS has withdrawn it.
func WithdrawnByNHS(parameter, value string) (Withdrawal, bool) {
	for _, w := range CIS2.Withdrawn {
		if w.Parameter == parameter && w.Value == value {
			return w, true
		}
	}
	return Withdrawal{}, false
}
