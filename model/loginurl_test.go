package model

import (
	"strings"
	"testing"
)

func TestLoginURLField(t *testing.T) {
	_, _, err := Parse("c.yaml", []byte("environment: production\nlogin_url: http://epr.acme-health.co.uk/login?token=abc\n"))
	if err == nil || !strings.Contains(err.Error(), "login_url holds what looks like a secret in a URI query") {
		t.Fatalf("a secret in login_url: %v, want it refused naming the field", err)
	}
	c, _, err := Parse("c.yaml", []byte("environment: production\nlogin_url: http://epr.acme-health.co.uk/login\n"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range Validate(c) {
		if f.Field == "login_url" && f.Rule == "uri.scheme" && f.Severity == Fail {
			found = true
		}
	}
	if !found {
		t.Errorf("an http login_url in production is not flagged: %v", Validate(c))
	}
	next := c.Clone()
	next.LoginURL = "https://epr.acme-health.co.uk/login"
	if cs := DiffLive(c, &next); len(cs) != 1 || cs[0].Field != "login_url" || cs[0].NHSUpdate != UpdateNo {
		t.Errorf("diff of login_url = %+v, want one change NHS need not hear about", cs)
	}
}
