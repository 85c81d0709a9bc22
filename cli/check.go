package cli

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// CheckOptions are the flags of `check`.
type CheckOptions struct {
	IO         *IOStreams
	ConfigPath string
	// INTPath is the INT configuration production replicates: a production URI on a host
	// it uses fails.
	INTPath string
	Format  string
	LiveFlags

	// Live, when set, is used as the live checks' options instead of the flags above (the
	// demo and tests point the checks at loopback servers with it).
	Live *checks.Options
}

func newCmdCheck(ios *IOStreams) *cobra.Command {
	opts := &CheckOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check a configuration offline and live",
		Long: "check validates every field of the configuration (URI format, security pattern,\n" +
			"algorithms), then checks the live endpoints it names, concurrently: each URI resolves\n" +
			"(publicly, for the ones CIS2 calls), serves valid TLS and answers HTTP; the back-channel\n" +
			"logout endpoint rejects a bogus logout token with 400 (401/403, typical of an IP\n" +
			"allowlist for CIS2's addresses, is inconclusive: a warning); the JWKS is public-only, lints\n" +
			"clean and can verify the declared alg; with --key, a client assertion signed as CIS2\n" +
			"expects verifies against the published JWKS; the declared algs are ones CIS2 advertises.\n" +
			"Nothing is sent to NHS unless you pass --discovery or --probe-token-endpoint.\n\n" +
			"A production URI on a host named like INT, UAT or staging warns\n" +
			"(config.uri.non-production); with --int FILE, one on a host your INT configuration\n" +
			"uses fails. The report ends with whether the configuration is ready to send to NHS:\n" +
			"only when nothing failed, no warning blocks (one CIS2 would very likely refuse, such as a\n" +
			"key without a kid or a userinfo algorithm CIS2 does not offer; a value on a non-production\n" +
			"host) and the live checks ran to the end. Other warnings are named as ones to review.\n\n" +
			"Exit codes: 0 no failure (warnings allowed), 1 at least one failure or a check the run's\n" +
			"time limit cut short,\n" +
			"2 usage error or unreadable/invalid configuration file, 130 interrupted.",
		Example: "  cis2-golive check --config prod.yaml\n" +
			"  cis2-golive check --config prod.yaml --int int-export.json\n" +
			"  cis2-golive check --config prod.yaml --key private.pem\n" +
			"  cis2-golive check --config prod.yaml --offline\n" +
			"  cis2-golive check --config prod.yaml --format json > results.json\n" +
			"  cis2-golive check --config prod.yaml --format junit > results.xml",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.ConfigPath == "" {
				return usageError(fmt.Errorf("--config is required: pass the configuration file to check"))
			}
			if _, err := report.ParseResultsFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			if err := opts.validate(); err != nil {
				return err
			}
			return runCheck(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "configuration file (YAML, JSON, or a Connection Manager export)")
	f.StringVar(&opts.INTPath, "int", "", "the INT configuration in `FILE` (YAML, JSON or a Connection Manager export) that production replicates")
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, json, markdown or junit")
	opts.bind(f, "check the file only; contact no endpoint")
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, _ := report.ParseResultsFormat(opts.Format)
	cfg, notes, err := loadFrom("--config", opts.ConfigPath)
	if err != nil {
		return usageError(err)
	}
	in, err := loadINT(opts.INTPath)
	if err != nil {
		return err
	}
	results := checks.OfflineAgainstINT(cfg, in, notes)
	live := golive.NotRun
	if !opts.Offline {
		lo, err := opts.liveOptions()
		if err != nil {
			return err
		}
		list := checks.Plan(cfg, lo)
		results = append(results, checks.Run(ctx, list, lo, progress(opts.IO, list))...)
		live = golive.Done
	}
	return finishCheck(ctx, opts.IO, format, opts.ConfigPath, cfg, in, results, live)
}

// loadINT loads --int, the INT configuration production replicates; "" is none.
func loadINT(path string) (*model.Config, error) {
	if path == "" {
		return nil, nil
	}
	in, _, err := loadFrom("--int", path)
	if err != nil {
		return nil, usageError(fmt.Errorf("--int: %w", err))
	}
	if in.Environment == model.Production {
		return nil, usageError(fmt.Errorf("--int %s says environment production: pass your INT configuration (or its Connection Manager export)", path))
	}
	return in, nil
}

// finishCheck prints the report with golive's verdict and maps it to the exit code: 130 when
// interrupted (the report then holds what finished, and the rest as "cancelled" skips, so
// nothing already learnt is lost), 1 when a check failed or the run's time limit cut one
// short, else 0.
func finishCheck(ctx context.Context, ios *IOStreams, format report.Format, config string, cfg, in *model.Config, results []checks.Result, live golive.Live) error {
	v, reasons := golive.Verdict(cfg, in, results, live)
	rep := report.NewCheckReport(config, results, v, reasons)
	if err := report.WriteCheckReport(ios.ColorOut(), format, rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// A check the run's time limit cut is unverified, not failed, yet the run did not do what
	// it was asked: exit 1, as for a failure, so CI does not read it as clean.
	if rep.Summary.Failed() || slices.ContainsFunc(results, checks.Result.OutOfTime) {
		return failedError
	}
	return nil
}

// liveOptions is the live checks' options: Live when a caller set it, else the flags'.
func (o *CheckOptions) liveOptions() (checks.Options, error) {
	if o.Live != nil {
		return *o.Live, nil
	}
	return o.options()
}

// progress prints a line per finished live check on stderr when it is a terminal, so stdout
// stays clean for --format json and pipes get no progress noise.
func progress(ios *IOStreams, list []checks.Check) func(int, checks.Result) {
	if !ios.IsStderrTTY() {
		return nil
	}
	w := ios.ColorErr()
	var mu sync.Mutex
	done := 0
	return func(_ int, r checks.Result) {
		mu.Lock()
		defer mu.Unlock()
		done++
		fmt.Fprintf(w, "[%d/%d] %s  %s  %s\n", done, len(list),
			report.StatusStyle(r.Status).Render(report.Mark(r.Status)), r.ID, r.Target)
	}
}
