package model

import (
	"fmt"
	"slices"
)

// NHSUpdate says whether NHS England must receive an updated production configuration.
type NHSUpdate string

// Unconfirmed marks the points NHS's pages do not settle.
const (
	UpdateYes         NHSUpdate = "yes"
	UpdateNo          NHSUpdate = "no"
	UpdateUnconfirmed NHSUpdate = "unconfirmed"
)

// Change is one difference between the live configuration and the next one.
type Change struct {
	Field     string    `json:"field"`
	Old       string    `json:"old"`
	New       string    `json:"new"`
	NHSUpdate NHSUpdate `json:"nhs_update"`
	Why       string    `json:"why"`
}

const (
	whyDeployed = "part of the production configuration (\"Put your software live\", step 1), which NHS England deploys: " +
		"production is not self-service, so the new value needs NHS; allow at least 2 weeks (the exact process for a live service is unconfirmed)"
	whyNotSent    = "not part of the production configuration NHS England deploys"
	whyClientMeta = "Connection Manager records client_name and description, but NHS does not say whether production needs them updated"
	whyClientID   = "CIS2 assigns the client id; a different one means a different registration, so ask the CIS2 team"
)

// DiffLive lists what changed between the live configuration and the next, field by field in
// file order, each with whether NHS must receive an updated configuration. Redirect URIs are a
// set: reordering them is no change.
func DiffLive(old, next *Config) []Change {
	var cs []Change
	field := func(name, a, b string, upd NHSUpdate, why string) {
		if a != b {
			cs = append(cs, Change{Field: name, Old: a, New: b, NHSUpdate: upd, Why: why})
		}
	}
	field("environment", string(old.Environment), string(next.Environment), UpdateNo,
		"not sent to NHS; check you are comparing two production configurations")
	field("organisation", old.Organisation, next.Organisation, UpdateNo, whyNotSent)
	field("product", old.Product, next.Product, UpdateUnconfirmed, whyClientMeta)
	field("contact_email", old.ContactEmail, next.ContactEmail, UpdateNo, whyNotSent)
	field("description", old.Description, next.Description, UpdateUnconfirmed, whyClientMeta)
	field("client_id", old.ClientID, next.ClientID, UpdateUnconfirmed, whyClientID)
	for i, u := range old.RedirectURIs {
		if !slices.Contains(next.RedirectURIs, u) {
			cs = append(cs, Change{Field: fmt.Sprintf("redirect_uris[%d]", i), Old: u, NHSUpdate: UpdateYes,
				Why: "removed; " + whyDeployed})
		}
	}
	for i, u := range next.RedirectURIs {
		if !slices.Contains(old.RedirectURIs, u) {
			cs = append(cs, Change{Field: fmt.Sprintf("redirect_uris[%d]", i), New: u, NHSUpdate: UpdateYes,
				Why: "added; CIS2 rejects a redirect URI it does not have registered: " + whyDeployed})
		}
	}
	field("backchannel_logout_uri", old.BackchannelLogoutURI, next.BackchannelLogoutURI, UpdateYes, whyDeployed)
	field("token_endpoint_auth_method", string(old.TokenEndpointAuthMethod), string(next.TokenEndpointAuthMethod), UpdateYes,
		whyDeployed+"; a new security pattern changes how your service works, so re-submit conformance answers too")
	field("jwks_uri", old.JWKSURI, next.JWKSURI, UpdateYes, whyDeployed)
	field("token_endpoint_auth_signing_alg", old.TokenEndpointAuthSigningAlg, next.TokenEndpointAuthSigningAlg, UpdateYes, whyDeployed)
	field("userinfo_signed_response_alg", old.UserinfoSignedResponseAlg, next.UserinfoSignedResponseAlg, UpdateYes, whyDeployed)
	field("login_url", old.LoginURL, next.LoginURL, UpdateNo, "not sent to NHS: only cis2-golive's login probe reads it")
	return cs
}

// NeedsNHSUpdate reports whether any change must be sent to NHS.
func NeedsNHSUpdate(cs []Change) bool {
	return slices.ContainsFunc(cs, func(c Change) bool { return c.NHSUpdate == UpdateYes })
}

// LiveReminders are said with every diff: what NHS's "Once you're live" step asks, and the
// change that needs nothing from NHS.
var LiveReminders = []string{
	"If the change alters how your service works, re-submit your conformance answers in the digital onboarding service (NHS England, \"Put your software live\", step 3 \"Once you're live\").",
	"Rotating signing keys behind the same jwks_uri needs no resubmission: publish the new key beside the old one, sign with the new kid, then remove the old key once caches expire.",
}
