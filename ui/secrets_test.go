package ui

import (
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestFieldValidationRefusesEverySecretSpelling: every answer the wizard validates refuses a
// secret however it is spelled, by the model's one rule, without echoing it.
func TestFieldValidationRefusesEverySecretSpelling(t *testing.T) {
	const secret = "hunter2-7f3a9c1e"
	const jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
	s := newSession(&Options{Config: &model.Config{Environment: model.Production}})
	validators := map[string]func(string) error{ // the questions both wizards ask
		"organisation":  qOrganisation.validate(s),
		"client id":     qClientID.validate(s),
		"contact email": qContact.validate(s),
		"logout URI":    qLogout.validate(s),
		"JWKS URI":      qJWKS.validate(s),
		"redirect URI":  func(v string) error { return redirectCheck(v, nil, -1, model.Production, nil) },
	}
	for _, value := range []string{
		"https://app.example.nhs.uk/cb?client_secret=" + secret,
		"https://app.example.nhs.uk/cb?client%5Fsecret=" + secret,
		"https://app.example.nhs.uk/cb?clientSecret=" + secret,
		"https://app.example.nhs.uk/cb?client-secret=" + secret,
		"https://app.example.nhs.uk/cb?api_key=" + secret,
		"https://app.example.nhs.uk/cb?apikey=" + secret,
		"https://app.example.nhs.uk/cb?access_token=" + secret,
		"https://app.example.nhs.uk/cb?password=" + secret,
		"https://app.example.nhs.uk/cb?secret=" + secret,
		"https://app.example.nhs.uk/cb#client_secret=" + secret,
		"https://bob:" + secret + "@app.example.nhs.uk/cb",
		"https://app.example.nhs.uk/cb?x=" + jwt,
		"-----BEGIN PRIVATE KEY-----" + secret,
	} {
		for name, validate := range validators {
			err := validate(value)
			if err == nil || !strings.Contains(err.Error(), "looks like") {
				t.Errorf("%s accepts %q: %v", name, value, err)
				continue
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "eyJ") {
				t.Errorf("%s echoes the secret: %v", name, err)
			}
		}
	}
	// What a real answer holds passes.
	for name, v := range map[string]string{"organisation": "Acme Health Ltd", "client id": "123456789012.apps.supplier",
		"logout URI": "https://app.example.nhs.uk/auth/cis2/backchannel-logout", "redirect URI": "https://app.example.nhs.uk/cb?tenant=north"} {
		if err := validators[name](v); err != nil {
			t.Errorf("%s refuses %q: %v", name, v, err)
		}
	}
}
