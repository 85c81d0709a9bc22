package cli

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/checks/checkstest"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// TestMain lets testscript run the real binary in-process as `cis2-golive`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cis2-golive": func() {
			os.Exit(Main(BuildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-26"}))
		},
	})
}

// TestScripts runs the black-box CLI scripts in testdata/script.
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"exits": exits, "passing-run": passingRunCmd},
		Condition: func(cond string) (bool, error) {
			if cond == "root" { // root reads any file: a script drops that power to see "permission denied"
				return os.Geteuid() == 0, nil
			}
			return false, errors.New("unknown condition " + cond)
		},
	})
}

// exits N PROGRAM ARGS… runs the program and requires exit status N: `! exec` only says the
// status was not 0, and 1 (checks failed) and 2 (usage) mean different things to CI.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// passing-run [-live | -offline FILE | -replace FILE] CONFIG OUT writes to OUT what `check
// --config CONFIG --format json` prints when every live check passes (checkstest.PassingRun):
// a script cannot reach real endpoints. -live leaves the offline results out (a file edited
// down); -offline takes them from FILE (the output of `check --offline --format json`, with
// --int, say); -replace puts the results listed in FILE (a JSON array) in place of the
// passes of the same id and target: a run where only those did not pass.
func passingRunCmd(ts *testscript.TestScript, neg bool, args []string) {
	live, offline, replace := false, "", ""
	switch {
	case len(args) > 0 && args[0] == "-live":
		live, args = true, args[1:]
	case len(args) > 1 && args[0] == "-offline":
		offline, args = args[1], args[2:]
	case len(args) > 1 && args[0] == "-replace":
		replace, args = args[1], args[2:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: passing-run [-live | -offline FILE | -replace FILE] CONFIG OUT")
	}
	cfg, _, err := model.Load(ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("passing-run: %v", err)
	}
	rs := checkstest.PassingRun(cfg)
	if live || offline != "" {
		rs = checkstest.PassingLive(cfg)
	}
	if offline != "" {
		rep, err := report.ReadCheckReport(ts.MkAbs(offline))
		if err != nil {
			ts.Fatalf("passing-run: %v", err)
		}
		rs = append(rep.Results, rs...)
	}
	if replace != "" {
		var with []checks.Result
		if err := json.Unmarshal([]byte(ts.ReadFile(replace)), &with); err != nil {
			ts.Fatalf("passing-run: %s: %v", replace, err)
		}
		for _, w := range with {
			i := slices.IndexFunc(rs, func(r checks.Result) bool { return r.ID == w.ID && r.Target == w.Target })
			if i < 0 {
				ts.Fatalf("passing-run: %s has %s on %s, which the run does not", replace, w.ID, w.Target)
			}
			rs[i] = w
		}
	}
	data, err := resultsJSON(args[0], rs)
	if err != nil {
		ts.Fatalf("passing-run: %v", err)
	}
	if err := os.WriteFile(ts.MkAbs(args[1]), data, 0o644); err != nil {
		ts.Fatalf("passing-run: %v", err)
	}
}

// passingRunJSON is the results file of a passing run of the configuration in path.
func passingRunJSON(path string) ([]byte, error) {
	cfg, _, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	return resultsJSON(path, checkstest.PassingRun(cfg))
}

// resultsJSON is a results file in the shape of `check --format json`.
func resultsJSON(config string, rs []checks.Result) ([]byte, error) {
	return json.Marshal(struct {
		Config  string          `json:"config"`
		Results []checks.Result `json:"results"`
	}{filepath.Base(config), rs})
}
