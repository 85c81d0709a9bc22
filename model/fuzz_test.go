package model

import (
	"os"
	"reflect"
	"testing"
)

// FuzzParse: no input may panic the loader, and whatever it accepts must validate without
// panicking and survive a save/load round trip unchanged.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../examples/production.yaml", "testdata/cm-export.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("environment: production\nredirect_uris: [\n"))
	f.Add([]byte(`{"client_config": {"redirect_uris": ["https://a"]}, "hash": "x"}`))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := Parse("fuzz", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, fd := range Validate(c) {
			if fd.Message == "" || fd.Fix == "" {
				t.Fatalf("finding without message or fix: %+v", fd)
			}
		}
		b, err := Marshal("x.yaml", c)
		if err != nil {
			t.Fatalf("marshal accepted config: %v", err)
		}
		again, _, err := Parse("again", b)
		if err != nil {
			// Integration-imported configs and others always re-parse; a failure is a bug.
			t.Fatalf("saved config does not load: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(normalise(c), normalise(again)) {
			t.Fatalf("round trip changed the config:\n%#v\n%#v", c, again)
		}
	})
}

// normalise treats a nil and an empty URI list alike: YAML cannot tell them apart.
func normalise(c *Config) Config {
	n := *c
	n.FromConnectionManager = false // where the values came from; saving makes it a cis2-golive file
	if len(n.RedirectURIs) == 0 {
		n.RedirectURIs = nil
	}
	return n
}

// FuzzValidateURI: every URI, however odd, yields findings that say what and how, never a panic.
func FuzzValidateURI(f *testing.F) {
	for _, s := range []string{
		"https://epr.acme-health.co.uk/cb", "http://localhost:8080/cb", "https://[::1]/x",
		"https://bücher.de/", " https://a.b/c#d", "https://u:p@*.x/", "%zz", "https://10.0.0.1:99999/",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw string, role uint8) {
		for _, env := range []Environment{Production, Integration} {
			for _, fd := range ValidateURI("f", raw, URIRole(role%3), env) {
				if fd.Message == "" || fd.Fix == "" || fd.Rule == "" {
					t.Fatalf("incomplete finding for %q: %+v", raw, fd)
				}
			}
		}
	})
}
