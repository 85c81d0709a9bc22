package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
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
		"",  // review: the default, run the live checks
		"",  // not yet submitted
		"3", // checklist: Connection Agreement signed
		"0", // checklist done
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
	if !strings.Contains(said(out.String()), "not allowed") || len(res.Written) != 4 {
		t.Fatalf("output:\n%s\nwritten %v", out.String(), res.Written)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Fatal("accessible output has escape sequences")
	}
	for _, want := range []string{"Review", "Redirect URI 1: https://epr.acme-health.co.uk/cb", "Security pattern: Client secret"} {
		if !strings.Contains(said(out.String()), want) {
			t.Errorf("review lacks %q:\n%s", want, out.String())
		}
	}
	cl, err := os.ReadFile(filepath.Join(dir, ChecklistFile))
	if err != nil || !strings.Contains(string(cl), "- [x] Connection Agreement signed") {
		t.Fatalf("the tick did not reach the checklist: %v\n%s", err, cl)
	}
}

// TestAccessibleResumeReviewAndChange: a saved draft is offered and resumed (answers kept
// with enter), the review lists what the offline rules found, and "Change" re-asks that step
// only.
func TestAccessibleResumeReviewAndChange(t *testing.T) {
	dir := t.TempDir()
	draftPath := filepath.Join(dir, "d.yaml")
	d := &model.Draft{
		Config: model.Config{Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
			ContactEmail: "ops@acme-health.co.uk", RedirectURIs: []string{"https://EPR.acme-health.co.uk/cb"},
			BackchannelLogoutURI: "https://epr.acme-health.co.uk/logout", TokenEndpointAuthMethod: model.ClientSecretBasic},
		Step:      stateLogout.String(),
		Checklist: map[string]bool{report.ItemConnectionAgreement: true},
	}
	answers := strings.Join([]string{
		"1",            // resume the draft
		"", "", "", "", // organisation, product, contact, client id: kept
		"", "", // redirect URI 1 kept, no second
		"",     // back-channel logout URI: kept
		"", "", // security pattern, userinfo: kept
		"4", // review: change the back-channel logout URI
		"https://epr.acme-health.co.uk/bcl",
		"",  // review again: run the checks
		"",  // not yet submitted
		"0", // checklist: keep the ticks from the draft
		"y", // write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{OutDir: dir, Now: fixedNow, DraftPath: draftPath, Draft: d},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(said(out.String()), "Resume it: Acme Health Ltd, at Back-channel logout") {
		t.Errorf("no resume offer:\n%s", out.String())
	}
	if got := res.Config.BackchannelLogoutURI; got != "https://epr.acme-health.co.uk/bcl" {
		t.Fatalf("logout URI %q\n%s", got, out.String())
	}
	if !strings.Contains(said(out.String()), "Warning, Redirect URI 1: the host has upper-case letters") {
		t.Errorf("the review does not show the offline finding:\n%s", out.String())
	}
	if strings.Count(said(out.String()), "Back-channel logout URI (enter keeps") != 2 || strings.Count(said(out.String()), "Product (enter keeps") != 1 {
		t.Errorf("change should re-ask the logout step only:\n%s", out.String())
	}
	if res.Config.Organisation != "Acme Health Ltd" || len(res.Config.RedirectURIs) != 1 {
		t.Fatalf("resumed answers lost: %+v", res.Config)
	}
	cl, err := os.ReadFile(filepath.Join(dir, ChecklistFile))
	if err != nil || !strings.Contains(string(cl), "- [x] Connection Agreement signed") {
		t.Fatalf("the draft's tick was lost: %v\n%s", err, cl)
	}
	saved, err := model.LoadDraft(draftPath)
	if err != nil || saved.Step != stateChecklist.String() {
		t.Fatalf("draft step %+v %v", saved, err)
	}
}

// TestAccessibleReviewSwitchToPrivateKeyJWT: changing the security pattern in the review
// asks the private key JWT questions that now apply.
func TestAccessibleReviewSwitchToPrivateKeyJWT(t *testing.T) {
	dir := t.TempDir()
	cfg := &model.Config{Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail: "ops@acme-health.co.uk", RedirectURIs: []string{"https://epr.acme-health.co.uk/cb"},
		BackchannelLogoutURI: "https://epr.acme-health.co.uk/logout", TokenEndpointAuthMethod: model.ClientSecretBasic}
	answers := strings.Join([]string{
		"", "", "", "", "", "", "", // organisation…client id, redirect kept + none more, logout kept
		"", "", // security pattern, userinfo: kept
		"5",                                  // review: change the security pattern
		"1",                                  // private key JWT
		"https://epr.acme-health.co.uk/jwks", // JWKS URI
		"2",                                  // RS512
		"",                                   // signing key: I have a key file
		"",                                   // no key file path
		"",                                   // review: run the checks
		"", "0", "y",                         // not submitted, no ticks, write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{Config: cfg, OutDir: dir, Now: fixedNow},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Config.TokenEndpointAuthMethod != model.PrivateKeyJWT || res.Config.JWKSURI != "https://epr.acme-health.co.uk/jwks" ||
		res.Config.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("config %+v\n%s", res.Config, out.String())
	}
}

// TestAccessibleCreatesKey: "I don't have a key yet" writes the key pair (the same code as
// `keys new`), says where each file went, and the key path is used for the test assertion.
func TestAccessibleCreatesKey(t *testing.T) {
	dir := t.TempDir()
	cfg := &model.Config{Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail: "ops@acme-health.co.uk", RedirectURIs: []string{"https://epr.acme-health.co.uk/cb"},
		BackchannelLogoutURI: "https://epr.acme-health.co.uk/logout", TokenEndpointAuthMethod: model.PrivateKeyJWT,
		JWKSURI: "https://epr.acme-health.co.uk/jwks", TokenEndpointAuthSigningAlg: "RS256"}
	answers := strings.Join([]string{
		"", "", "", "", "", "", "", "", // organisation…logout, security pattern: kept
		"", "", // JWKS URI, algorithm: kept
		"2", // I don't have a key yet
		"",  // the default directory, beside the outputs
		"",  // userinfo: kept
		"",  // review: run the checks
		"", "0", "y",
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{Config: cfg, OutDir: dir, Now: fixedNow},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Created a 2048-bit RSA key pair for RS256", "never leaves the server", "Publish this file at https://epr.acme-health.co.uk/jwks"} {
		if !strings.Contains(said(out.String()), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	keyFiles, _ := filepath.Glob(filepath.Join(dir, "keys", "*"))
	if len(keyFiles) != 2 || res.Config.JWKSURI == "" {
		t.Fatalf("key files %v", keyFiles)
	}
}

// TestAccessibleInputEndingStops: answers that run out stop the wizard as cancelled, with the
// answers so far in the draft, even when the last one was not a number at a numbered
// question (huh panics there on its own).
func TestAccessibleInputEndingStops(t *testing.T) {
	for name, answers := range map[string]string{
		"not a number, then the end": "Acme Health Ltd\nAcme EPR\nops@acme-health.co.uk\n\nhttps://epr.acme-health.co.uk/cb\n\nhttps://epr.acme-health.co.uk/logout\nprivate key jwt\n",
		"ends mid-way":               "Acme Health Ltd\nAcme EPR\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			draft := filepath.Join(dir, "d.yaml")
			var out bytes.Buffer
			_, err := RunAccessible(context.Background(), Options{OutDir: dir, Now: fixedNow, DraftPath: draft},
				strings.NewReader(answers), &out)
			if !errors.Is(err, ErrCancelled) {
				t.Fatalf("want the wizard cancelled, got %v\n%s", err, out.String())
			}
			d, err := model.LoadDraft(draft)
			if err != nil || d == nil || d.Config.Organisation != "Acme Health Ltd" {
				t.Fatalf("draft %+v %v", d, err)
			}
		})
	}
}

// TestAccessibleCtrlCStops: Ctrl+C (the context ending) stops the wizard while it waits for an
// answer, with the answers so far in the draft; before, the prompts ignored it and went on.
func TestAccessibleCtrlCStops(t *testing.T) {
	dir := t.TempDir()
	draft := filepath.Join(dir, "d.yaml")
	err := stopAfter(t, func(ctx context.Context, in io.Reader, out io.Writer) error {
		_, err := RunAccessible(ctx, Options{OutDir: dir, Now: fixedNow, DraftPath: draft}, in, out)
		return err
	}, "Acme Health Ltd\nAcme EPR\n", "Contact email")
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("want cancelled, got %v", err)
	}
	d, err := model.LoadDraft(draft)
	if err != nil || d == nil || d.Config.Product != "Acme EPR" {
		t.Fatalf("draft %+v, %v", d, err)
	}
}

// TestAccessibleClearsOptionalAnswers: a prefilled optional answer (client id, submission
// date) says what enter keeps and that "-" clears it, and "-" clears it rather than being
// stored; numbered questions say which choice enter keeps.
func TestAccessibleClearsOptionalAnswers(t *testing.T) {
	dir := t.TempDir()
	d := &model.Draft{
		Config: model.Config{Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
			ContactEmail: "ops@acme-health.co.uk", ClientID: "123456789012.apps.supplier",
			RedirectURIs:         []string{"https://epr.acme-health.co.uk/cb"},
			BackchannelLogoutURI: "https://epr.acme-health.co.uk/logout", TokenEndpointAuthMethod: model.ClientSecretBasic},
		Step: stateReview.String(), SubmittedOn: "2026-11-20",
	}
	answers := strings.Join([]string{
		"1",             // resume
		"", "", "", "-", // organisation, product, contact kept; client id cleared
		"", "", "", // redirect kept, none more, logout kept
		"", "", // security pattern, userinfo kept
		"",  // review: run the checks
		"-", // submission date cleared
		"0", "y",
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{OutDir: dir, Now: fixedNow, Draft: d, DraftPath: filepath.Join(dir, "d.yaml")},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Client id (optional) (enter keeps 123456789012.apps.supplier; - clears it)",
		"blank if not yet) (enter keeps 2026-11-20; - clears it)",
		"How does your service authenticate to CIS2? (enter keeps Client secret)",
		"Should CIS2 sign userinfo responses? (enter keeps No, unsigned)",
	} {
		if !strings.Contains(said(out.String()), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if res.Config.ClientID != "" {
		t.Errorf("client id %q, want it cleared", res.Config.ClientID)
	}
	if strings.Contains(said(out.String()), "Earliest go-live") {
		t.Errorf("the cleared submission date still gives a go-live date:\n%s", out.String())
	}
	if t.Failed() {
		t.Log(out.String())
	}
}
