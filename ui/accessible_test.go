package ui

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

func TestAccessibleMode(t *testing.T) {
	answers := strings.Join([]string{
		"Acme Health Ltd", "Acme EPR", "ops@acme-health.co.uk", "",
		"http://epr.acme-health.co.uk/cb", // refused: http in production
		"https://epr.acme-health.co.uk/cb",
		"", // no second redirect URI
		"https://epr.acme-health.co.uk/logout",
		"2", // client secret
		"1", // unsigned userinfo
		"",  // not yet submitted
		"y", // write anyway: offline, the live checks did not run
	}, "\n") + "\n"
	var out bytes.Buffer
	dir := t.TempDir()
	res, err := RunAccessible(context.Background(), Options{OutDir: dir, Now: fixedNow, DraftPath: filepath.Join(dir, "d.yaml")},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Config.TokenEndpointAuthMethod != model.ClientSecretBasic || len(res.Config.RedirectURIs) != 1 ||
		res.Config.RedirectURIs[0] != "https://epr.acme-health.co.uk/cb" {
		t.Fatalf("config %+v\n%s", res.Config, out.String())
	}
	if !strings.Contains(out.String(), "not allowed") || len(res.Written) != 4 {
		t.Fatalf("output:\n%s\nwritten %v", out.String(), res.Written)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Fatal("accessible output has escape sequences")
	}
}
