package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The watch examples are well-formed YAML where they are YAML, and every `cis2-golive watch`
// command line in them passes watch's own flag parsing and validation: a renamed flag breaks
// this test, not a supplier's cron job.
func TestWatchExamplesUseRealFlags(t *testing.T) {
	files, err := filepath.Glob("../examples/watch*")
	if err != nil || len(files) < 6 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	commands := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if strings.HasSuffix(f, ".yml") || strings.HasSuffix(f, ".yaml") {
			var doc map[string]any
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Errorf("%s is not valid YAML: %v", f, err)
			}
			if args := cronJobArgs(doc); args != nil {
				checkWatchArgs(t, f, args)
				commands++
			}
		}
		// Shell-style command lines: join continuations, cut at a redirection or a code span's end.
		text = regexp.MustCompile(`\\\n\s*`).ReplaceAllString(text, " ")
		for _, m := range regexp.MustCompile("cis2-golive watch ([^\n>`]*)").FindAllStringSubmatch(text, -1) {
			args := strings.Fields(strings.NewReplacer(`"`, "", "'", "").Replace(m[1]))
			if len(args) == 0 || !strings.HasPrefix(args[0], "-") { // prose, such as "cis2-golive watch from cron"
				continue
			}
			checkWatchArgs(t, f, args)
			commands++
		}
	}
	if commands < 5 {
		t.Errorf("found %d watch command lines in the examples, want one per scheduler at least", commands)
	}
}

// cronJobArgs is the container args of a Kubernetes CronJob that runs watch, else nil.
func cronJobArgs(doc map[string]any) []string {
	if doc["kind"] != "CronJob" {
		return nil
	}
	dig := func(v any, path ...string) any {
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		}
		return v
	}
	containers, _ := dig(doc, "spec", "jobTemplate", "spec", "template", "spec", "containers").([]any)
	if len(containers) == 0 {
		return nil
	}
	raw, _ := dig(containers[0], "args").([]any)
	var args []string
	for _, a := range raw {
		args = append(args, a.(string))
	}
	if len(args) == 0 || args[0] != "watch" {
		return nil
	}
	return args[1:]
}

func checkWatchArgs(t *testing.T, file string, args []string) {
	t.Helper()
	ios, _, _, _ := Test()
	opts := &WatchOptions{IO: ios}
	cmd := watchCommand(opts)
	line := filepath.Base(file) + ": watch " + strings.Join(args, " ")
	if err := cmd.ParseFlags(args); err != nil {
		t.Errorf("%s: %v", line, err)
		return
	}
	if len(cmd.Flags().Args()) > 0 {
		t.Errorf("%s: stray arguments %q", line, cmd.Flags().Args())
	}
	// The key file is the supplier's; everything else must be valid as written.
	if err := opts.validate(cmd); err != nil && !strings.Contains(err.Error(), "--key: cannot read") {
		t.Errorf("%s: %v", line, err)
	}
}
