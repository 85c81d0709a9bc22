package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./report -update` to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// exampleConfig loads the repository's example production configuration.
func exampleConfig(t *testing.T) *model.Config {
	t.Helper()
	cfg, _, err := model.Load("../examples/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
