package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// BenchmarkCheckScale times `check` (the same runCheck the command runs, through to its exit
// code) over a sandbox whose relying party answers every request after a fixed delay, with N
// redirect URIs beside the logout and JWKS endpoints. scripts/bench divides each N's time by
// N=1's: the runner should check 200 URIs in the time of one. The last case is 200 endpoints
// answering after 2.5 s under --timeout 3s, which must still exit 0: every check fits in its
// own timeout, so nothing may be cut by the run's limit.
//
//	go test -run '^$' -bench CheckScale -benchtime 3x ./cli/
func BenchmarkCheckScale(b *testing.B) {
	// What a process does once (the throwaway logout-token key, the system roots) is paid
	// here, not by whichever case runs first: N=1 is the yardstick.
	if sb, err := sandbox.Start(sandbox.Options{}); err == nil {
		if files, err := sb.WriteFiles(b.TempDir()); err == nil {
			live := DemoCheckOptions(sb, files, checks.DefaultTimeout)
			ios, _, _, _ := Test()
			_ = runCheck(context.Background(), &CheckOptions{IO: ios, ConfigPath: files.Config, Format: "json", Live: &live})
		}
		sb.Close()
	}
	for _, tc := range []struct {
		n              int
		delay, timeout time.Duration
	}{
		{1, 500 * time.Millisecond, checks.DefaultTimeout},
		{50, 500 * time.Millisecond, checks.DefaultTimeout},
		{200, 500 * time.Millisecond, checks.DefaultTimeout},
		{200, 2500 * time.Millisecond, 3 * time.Second},
	} {
		b.Run(fmt.Sprintf("N=%d/delay=%s/timeout=%s", tc.n, tc.delay, tc.timeout), func(b *testing.B) {
			sb, err := sandbox.Start(sandbox.Options{RedirectURIs: tc.n, Faults: sandbox.Faults{Delay: tc.delay}})
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			files, err := sb.WriteFiles(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			live := DemoCheckOptions(sb, files, tc.timeout)
			var total time.Duration
			worst := ExitOK
			var failed []string
			for b.Loop() {
				ios, _, out, _ := Test()
				start := time.Now()
				err := runCheck(context.Background(), &CheckOptions{IO: ios, ConfigPath: files.Config, Format: "json", Live: &live})
				total += time.Since(start)
				code := ExitOK
				if err != nil {
					code = exitCode(err)
				}
				if code != ExitOK {
					worst = code
					failed = failedResults(out.Bytes())
				}
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/check")
			b.ReportMetric(float64(worst), "exit")
			if len(failed) > 0 {
				b.Logf("exit %d; failed: %v", worst, failed)
			}
		})
	}
}

// failedResults lists "id target: message" of every failed result in a JSON check report.
func failedResults(report []byte) []string {
	var rep struct{ Results []checks.Result }
	if err := json.Unmarshal(report, &rep); err != nil {
		return []string{"unreadable report: " + err.Error()}
	}
	var out []string
	for _, r := range rep.Results {
		if r.Status == "fail" {
			out = append(out, r.ID+" "+r.Target+": "+r.Message)
		}
	}
	return out
}
