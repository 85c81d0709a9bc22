package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// The submission file reads back as the configuration it was written from.
func TestReadSubmittedRoundTrip(t *testing.T) {
	cfg := exampleConfig(t)
	cfg.LoginURL = "" // not part of a submission
	var buf bytes.Buffer
	if err := WriteSubmissionJSON(&buf, NewSubmission(cfg, nil, "offline rules", Verdict{Live: true}, time.Now(), "test")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, SubmissionJSONFile)
	os.WriteFile(path, buf.Bytes(), 0o644)
	got, err := ReadSubmitted(path)
	if err != nil {
		t.Fatal(err)
	}
	if cs := model.DiffLive(cfg, got); len(cs) != 0 {
		t.Errorf("the submission read back differs from its configuration: %+v", cs)
	}
	// A configuration file is read as one.
	if got, err := ReadSubmitted("../examples/production.yaml"); err != nil || got.JWKSURI != cfg.JWKSURI {
		t.Errorf("a YAML configuration: %+v, %v", got, err)
	}
	// A secret slipped into an edited submission is refused like in a configuration.
	edited := strings.Replace(buf.String(), `"jwks_uri": "https://`, `"jwks_uri": "https://user:hunter2@`, 1)
	os.WriteFile(path, []byte(edited), 0o644)
	if _, err := ReadSubmitted(path); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("secret in a submission: %v, want a refusal that does not echo it", err)
	}
	if _, err := ReadSubmitted(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
