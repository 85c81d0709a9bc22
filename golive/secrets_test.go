package golive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

const secret = "hunter2-7f3a9c1e"

// secretURIs spell a secret every way a URI can carry one.
var secretURIs = []string{
	"?client_secret=" + secret, "?client%5Fsecret=" + secret, "?client%255Fsecret=" + secret,
	"?clientSecret=" + secret, "?client-secret=" + secret, "?api_key=" + secret, "?apikey=" + secret,
	"?access_token=" + secret, "?password=" + secret, "?secret=" + secret, "#client_secret=" + secret,
	"?x=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl", "?k=-----BEGIN%20PRIVATE%20KEY-----",
}

// TestNoPathWritesASecret: each spelling, in the configuration or in the results, is refused
// by Build whatever the verdict; and Write, the one place the files reach the disk, refuses a
// file holding one even when it was built some other way. Nothing is written.
func TestNoPathWritesASecret(t *testing.T) {
	for _, s := range secretURIs {
		t.Run(s, func(t *testing.T) {
			c := prod()
			c.RedirectURIs = append(c.RedirectURIs, "https://epr.acme-health.co.uk/cb"+s)
			for _, sub := range []Submission{
				{Config: c, Live: Done},
				{Config: c, Live: NotRun}, // not ready anyway: "write anyway" must still refuse
				{Config: prod(), Live: Done, Results: []checks.Result{{ID: "uri.reachable", Target: "redirect_uris[0]",
					Status: model.Pass, Evidence: map[string]string{"final_url": "https://login.example.com/" + s}}}},
			} {
				if _, _, err := Build(sub); err == nil || strings.Contains(err.Error(), secret) {
					t.Errorf("Build: %v", err)
				}
			}
			dir := filepath.Join(t.TempDir(), "out")
			for _, f := range []report.File{
				{Name: JSONFile, Data: []byte(`{"redirect_uris": ["https://epr.acme-health.co.uk/cb` + strings.ReplaceAll(s, "&", `\u0026`) + `"]}`)},
				{Name: MarkdownFile, Data: []byte("| Redirect URI | https://epr.acme-health.co.uk/cb" + s + " |")},
			} {
				if _, err := Write(dir, []report.File{f}, true); err == nil || strings.Contains(err.Error(), secret) {
					t.Errorf("Write %s: %v", f.Name, err)
				}
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("a refused write created %s", dir)
			}
		})
	}
}
