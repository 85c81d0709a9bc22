package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// The crontab runs as written: cron starts commands with PATH=/usr/bin:/bin, and the README
// installs the binary in /usr/local/bin, so a bare cis2-golive is "command not found" unless
// the crontab sets PATH or names the binary by its path.
func TestWatchCrontabFindsTheBinary(t *testing.T) {
	data, err := os.ReadFile("../examples/watch-crontab")
	if err != nil {
		t.Fatal(err)
	}
	path := "/usr/bin:/bin" // cron's own
	jobs := 0
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if v, ok := strings.CutPrefix(line, "PATH="); ok {
			path = v
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 6 || strings.Contains(fields[0], "=") {
			continue // another variable
		}
		jobs++
		bin := fields[5]
		if filepath.IsAbs(bin) {
			continue
		}
		if !slices.Contains(filepath.SplitList(path), "/usr/local/bin") {
			t.Errorf("crontab runs %q with PATH=%s, which does not hold /usr/local/bin (where the README installs it)", bin, path)
		}
	}
	if jobs == 0 {
		t.Fatal("no cron job in examples/watch-crontab")
	}
}

// The CronJob's key passes --key's own check. Kubernetes makes every file of a secret volume
// group-readable (0440) when the pod sets fsGroup, whatever defaultMode says
// (https://github.com/kubernetes/kubernetes/issues/57923), and --key refuses a key file that
// group or others can read: the key must reach the watch some other way (copied to a 0600
// file by an init container).
func TestWatchCronJobKeyIsNotGroupReadable(t *testing.T) {
	data, err := os.ReadFile("../examples/watch-cronjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Spec struct {
			JobTemplate struct {
				Spec struct {
					Template struct {
						Spec struct {
							SecurityContext struct {
								FSGroup *int `yaml:"fsGroup"`
							} `yaml:"securityContext"`
							Containers []struct {
								Args         []string `yaml:"args"`
								VolumeMounts []struct {
									Name      string `yaml:"name"`
									MountPath string `yaml:"mountPath"`
								} `yaml:"volumeMounts"`
							} `yaml:"containers"`
							Volumes []struct {
								Name   string         `yaml:"name"`
								Secret map[string]any `yaml:"secret"`
							} `yaml:"volumes"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &job); err != nil {
		t.Fatal(err)
	}
	pod := job.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		t.Fatal("no container in the CronJob")
	}
	watch := pod.Containers[0]
	key := ""
	for _, a := range watch.Args {
		if v, ok := strings.CutPrefix(a, "--key="); ok {
			key = v
		}
	}
	if key == "" {
		t.Fatal("the CronJob passes no --key=FILE")
	}
	for _, m := range watch.VolumeMounts {
		if !strings.HasPrefix(key, strings.TrimSuffix(m.MountPath, "/")+"/") {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil && pod.SecurityContext.FSGroup != nil {
				t.Errorf("--key=%s is on secret volume %q in a pod with fsGroup: Kubernetes makes it mode 0440, which --key refuses", key, v.Name)
			}
		}
		return
	}
	t.Errorf("--key=%s is on no volume of the watch container", key)
}
