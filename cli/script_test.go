package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run the real binary in-process as `cis2-golive`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cis2-golive": func() {
			os.Exit(Main(BuildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-26"}))
		},
	})
}

// TestScripts runs the black-box CLI scripts in testdata/script (style.md #15).
func TestScripts(t *testing.T) {
	examples, err := filepath.Abs("../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			env.Setenv("NO_COLOR", "")
			env.Setenv("GOVERSION", runtime.Version()) // the Go release `version` reports
			return nil
		},
	})
}
