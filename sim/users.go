package sim

import (
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
)

// User is a test user as CIS2 describes one: a 12-digit user id (uid, also the ID token's
// sub), a name, and RBAC roles in CIS2's nhsid_nrbac_roles shape, each at an organisation
// named by its ODS code.
type User struct {
	UID        string `json:"uid"`
	Name       string `json:"name"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Email      string `json:"email"`
	Title      string `json:"title,omitempty"`
	Roles      []Role `json:"nhsid_nrbac_roles"`
}

// Role is one entry of nhsid_nrbac_roles.
type Role struct {
	PersonOrgID   string   `json:"person_orgid"`
	PersonRoleID  string   `json:"person_roleid"`
	OrgCode       string   `json:"org_code"`
	RoleName      string   `json:"role_name"`
	RoleCode      string   `json:"role_code"`
	Activities    []string `json:"activities,omitempty"`
	ActivityCodes []string `json:"activity_codes,omitempty"`
	orgName       string
}

// TestUsers are the built-in test users. They are made up: the uids are in no directory, the
// ODS codes and role codes are only shaped like real ones.
var TestUsers = []User{
	{UID: "555000000001", Name: "Priya Patel", GivenName: "Priya", FamilyName: "Patel", Title: "Dr",
		Email: "priya.patel@cis2-golive.demo", Roles: []Role{{
			PersonOrgID: "100000000001", PersonRoleID: "200000000001", OrgCode: "A99001", orgName: "Demo Surgery",
			RoleName: `"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"`, RoleCode: "S8000:G8000:R8000",
			Activities: []string{"Receive Self Claimed LR Alerts", "Perform Patient Administration"}, ActivityCodes: []string{"B0068", "B0264"},
		}}},
	{UID: "555000000002", Name: "Sam Jones", GivenName: "Sam", FamilyName: "Jones",
		Email: "sam.jones@cis2-golive.demo", Roles: []Role{{
			PersonOrgID: "100000000002", PersonRoleID: "200000000002", OrgCode: "X99002", orgName: "Demo Hospital NHS Trust",
			RoleName: `"Clinical":"Clinical Provision":"Nurse Access Role"`, RoleCode: "S8000:G8000:R8001",
			Activities: []string{"Perform Patient Administration"}, ActivityCodes: []string{"B0264"},
		}}},
	{UID: "555000000003", Name: "Jo Bloggs", GivenName: "Jo", FamilyName: "Bloggs",
		Email: "jo.bloggs@cis2-golive.demo", Roles: []Role{{
			PersonOrgID: "100000000003", PersonRoleID: "200000000003", OrgCode: "X99002", orgName: "Demo Hospital NHS Trust",
			RoleName: `"Admin & Clerical":"Admin and Clerical":"Admin/Clinical Support Access Role"`, RoleCode: "S8002:G8003:R8008",
			Activities: []string{"Manage Appointments"}, ActivityCodes: []string{"B0560"},
		}}},
}

func findUser(users []User, uid string) *User {
	i := slices.IndexFunc(users, func(u User) bool { return u.UID == uid })
	if i < 0 {
		return nil
	}
	return &users[i]
}

func userIDs(users []User) string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.UID + " (" + u.Name + ")"
	}
	return strings.Join(ids, ", ")
}

// authenticatorFor picks how a user signs in for the requested acr values: the first of
// CIS2's authenticators that satisfies one of them (any, when none was asked for), and the
// acr the ID token then carries.
func authenticatorFor(acrValues []string, amr string) (model.Authenticator, string, bool) {
	for _, a := range model.CIS2.Authenticators {
		if amr != "" && a.AMR != amr {
			continue
		}
		if len(acrValues) == 0 {
			return a, defaultACR(a), true
		}
		for _, want := range acrValues {
			if a.Satisfies(want) {
				return a, want, true
			}
		}
	}
	return model.Authenticator{}, "", false
}

// defaultACR is the acr for a sign-in no acr_values asked for: the authenticator's broadest
// "any" value at its level (what CIS2 defaults to is unconfirmed).
func defaultACR(a model.Authenticator) string {
	for _, v := range a.ACR {
		if strings.HasSuffix(v, "_ANY") && !strings.Contains(v, "_OR_") {
			return v
		}
	}
	return a.ACR[0]
}

// userClaims are the claims CIS2 releases for the scopes granted (scopes and claims as NHS's
// "scopes and claims" page lists them), for userinfo.
func userClaims(u *User, scopes []string) map[string]any {
	c := map[string]any{"sub": u.UID}
	has := func(s string) bool { return slices.Contains(scopes, s) }
	if has("profile") || has("nhsperson") {
		c["name"], c["given_name"], c["family_name"] = u.Name, u.GivenName, u.FamilyName
	}
	if has("nhsperson") {
		c["uid"], c["nhsid_useruid"] = u.UID, u.UID
		if u.Title != "" {
			c["title"] = u.Title
		}
	}
	if has("email") {
		c["email"] = u.Email
	}
	if has("nationalrbacaccess") {
		c["nhsid_nrbac_roles"] = u.Roles
	}
	if has("associatedorgs") {
		var orgs []map[string]string
		for _, r := range u.Roles {
			orgs = append(orgs, map[string]string{"org_code": r.OrgCode, "org_name": r.orgName})
		}
		c["nhsid_user_orgs"] = orgs
	}
	if has("selectedrole") && len(u.Roles) > 0 {
		c["selected_roleid"] = u.Roles[0].PersonRoleID
	}
	return c
}
