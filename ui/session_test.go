package ui

import (
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestFromINTDropsTheEnvironmentFromNames: production prefilled from INT does not keep INT's
// environment marker in the product name ("Acme EPR (INT)"), which would go to NHS as the
// production product; a name that merely ends in the letters stays whole.
func TestFromINTDropsTheEnvironmentFromNames(t *testing.T) {
	for in, want := range map[string]string{
		"Acme EPR (INT)":             "Acme EPR",
		"Acme EPR [int]":             "Acme EPR",
		"Acme EPR - INT":             "Acme EPR",
		"Acme EPR – Integration":     "Acme EPR",
		"Acme EPR INT":               "Acme EPR",
		"Acme EPR (INT environment)": "Acme EPR",
		"Acme EPR: integration":      "Acme EPR",
		"Acme Print":                 "Acme Print",
		"Acme EPR":                   "Acme EPR",
		"INT":                        "INT", // nothing would be left: keep it for the user to fix
		"Acme (INT) EPR":             "Acme (INT) EPR",
	} {
		got := fromINT(model.Config{Environment: model.Integration, Product: in, Description: in})
		if got.Product != want || got.Description != want {
			t.Errorf("fromINT(%q): product %q, description %q; want %q", in, got.Product, got.Description, want)
		}
	}
	s := newSession(&Options{INT: &model.Config{Environment: model.Integration, Product: "Acme EPR (INT)", ClientID: "1.apps.supplier"}})
	if c := s.cfg(); c.Product != "Acme EPR" || c.ClientID != "" || c.Environment != model.Production {
		t.Errorf("prefilled from INT: %+v", c)
	}
}
