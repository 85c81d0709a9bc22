package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/watch"
)

// minEvery keeps --every from turning a watch into a load test of someone's endpoints.
const minEvery = time.Second

// WatchOptions are the flags of `watch`.
type WatchOptions struct {
	IO            *IOStreams
	ConfigPath    string
	StatePath     string
	SubmittedPath string
	Format        string
	Once          bool
	Every         time.Duration
	MetricsListen string
	LiveFlags
	Version string

	// Live, Now and Jitter replace the flags' live options, the clock and the schedule's
	// jitter (tests).
	Live   *checks.Options
	Now    func() time.Time
	Jitter func(time.Duration) time.Duration
	// metricsReady, when set, is told where the metrics server listens (tests).
	metricsReady func(net.Addr)
}

func newCmdWatch(ios *IOStreams, build BuildInfo) *cobra.Command {
	return watchCommand(&WatchOptions{IO: ios, Version: build.Version})
}

// watchCommand builds the command with its flags bound to opts.
func watchCommand(opts *WatchOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Re-check a live configuration and report drift, expiry and breakage",
		Long: "watch runs the checks of `check` against a live configuration, then compares with the\n" +
			"previous run, kept in a state file (default: beside the configuration), and reports:\n" +
			"  drift.jwks.kids        keys added (info) or removed (warn) since the last run; removing the kid the last passing assertion.sign-verify used fails\n" +
			"  drift.jwks.kid-reused  a kid that now names different key material (fail)\n" +
			"  expiry.tls             each URI's certificate: under 30 days left warns, under 7 days or expired fails\n" +
			"  expiry.jwks-x5c        the same for the x5c certificate chains in the JWKS\n" +
			"  drift.discovery        with --discovery: CIS2 values this configuration depends on that changed (issuer, token endpoint, algorithms, acr values, response modes)\n" +
			"  drift.config           with --submitted: fields that differ from what NHS has, judged as `diff` does (a change NHS must receive fails)\n" +
			"Every check that passed last time and fails now is marked as a regression.\n\n" +
			"--once (the default) runs one round, for cron, CI or a Kubernetes CronJob. --every runs a\n" +
			"round at once and then every interval (plus a little random jitter), never two at once,\n" +
			"until SIGINT or SIGTERM; each completed round saves the state, and a round cut short by the\n" +
			"signal is not saved. --metrics-listen serves the latest round to Prometheus at /metrics.\n\n" +
			"Exit codes: 0 no failure (warnings allowed; and a stopped --every), 1 at least one failure,\n" +
			"2 usage error or an unreadable configuration, --submitted or state file, 130 interrupted (--once).",
		Example: "  cis2-golive watch --config prod.yaml --key private.pem\n" +
			"  cis2-golive watch --config prod.yaml --format junit > watch.xml\n" +
			"  cis2-golive watch --config prod.yaml --submitted cis2-production-config.json --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n" +
			"  cis2-golive watch --config prod.yaml --every 1h --metrics-listen 127.0.0.1:9464",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(cmd); err != nil {
				return err
			}
			return runWatch(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "configuration file to watch (YAML, JSON, or a Connection Manager export)")
	f.StringVar(&opts.StatePath, "state", "", "the state `FILE` kept between runs (default: the configuration's name with .watch-state.json, beside it)")
	f.StringVar(&opts.SubmittedPath, "submitted", "", "the `FILE` sent to NHS ("+report.SubmissionJSONFile+", or the configuration it was made from), for drift.config")
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, json, markdown or junit")
	f.BoolVar(&opts.Once, "once", false, "run one round and exit 0 or 1 (the default)")
	f.DurationVar(&opts.Every, "every", 0, "run a round every interval, such as 1h, until stopped")
	f.StringVar(&opts.MetricsListen, "metrics-listen", "", "serve Prometheus metrics at http://`ADDR`/metrics, such as 127.0.0.1:9464 (a port alone means loopback; name 0.0.0.0 to listen on every interface); needs --every")
	opts.bind(f, "not for watch: it re-checks the live endpoints (use `check --offline`)")
	return cmd
}

// validate checks the flags that need no file (exit 2 when wrong).
func (o *WatchOptions) validate(cmd *cobra.Command) error {
	if o.ConfigPath == "" {
		return usageError(errors.New("--config is required: pass the configuration file to watch"))
	}
	format, err := report.ParseResultsFormat(o.Format)
	if err != nil {
		return usageError(fmt.Errorf("--format: %w", err))
	}
	if o.Offline {
		return usageError(errors.New("--offline: watch re-checks the live endpoints; for the offline rules run `cis2-golive check --offline`"))
	}
	everySet := o.Every != 0 || (cmd != nil && cmd.Flags().Changed("every"))
	switch {
	case o.Once && everySet:
		return usageError(errors.New("--once and --every: pass one of them (--once runs one round, --every keeps running)"))
	case everySet && o.Every < minEvery:
		return usageError(fmt.Errorf("--every %s: the interval must be at least %s, such as 1h", o.Every, minEvery))
	case everySet && format == report.JUnit:
		return usageError(errors.New("--format junit writes one XML document, so it goes with --once (run it from cron or CI)"))
	case !everySet && o.MetricsListen != "":
		return usageError(errors.New("--metrics-listen needs --every: a single round ends before Prometheus could scrape it"))
	}
	if o.MetricsListen != "" {
		if _, err := watch.MetricsAddr(o.MetricsListen); err != nil {
			return usageError(fmt.Errorf("--metrics-listen: %w", err))
		}
	}
	return o.LiveFlags.validate()
}

func runWatch(ctx context.Context, opts *WatchOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// SIGTERM is how cron, systemd and Kubernetes stop a job: end as cleanly as on Ctrl+C.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	format, _ := report.ParseResultsFormat(opts.Format)
	live := checks.Options{}
	if opts.Live != nil {
		live = *opts.Live
	} else {
		var err error
		if live, err = opts.options(); err != nil {
			return err
		}
	}
	state := opts.StatePath
	if state == "" {
		state = watch.DefaultStatePath(opts.ConfigPath)
	}
	wopts := watch.Options{
		ConfigPath: opts.ConfigPath,
		LoadConfig: func() (*model.Config, []model.Finding, error) { return loadFrom("--config", opts.ConfigPath) },
		StatePath:  state, Live: live, Now: opts.Now, ToolVersion: opts.Version,
		Progress: func(list []checks.Check) func(int, checks.Result) { return progress(opts.IO, list) },
	}
	if opts.SubmittedPath != "" {
		wopts.SubmittedPath = opts.SubmittedPath
		wopts.LoadSubmitted = func() (*model.Config, error) { return report.ReadSubmitted(opts.SubmittedPath) }
	}
	show := func(r watch.Round) error {
		v, reasons := readyVerdict(r.Checked, r.Checks)
		if err := report.WriteWatchReport(opts.IO.ColorOut(), format, report.NewWatchReport(state, r, v, reasons)); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return nil
	}

	if opts.Every == 0 {
		round, err := watch.RunRound(ctx, wopts)
		var ce *watch.ConfigError
		switch {
		case errors.As(err, &ce) && round.Results == nil:
			return usageError(ce.Err)
		case errors.As(err, &ce): // the round ran but its state could not be saved
			if werr := show(round); werr != nil {
				return werr
			}
			return usageError(ce.Err)
		case err != nil: // interrupted: show what finished, as check does
			v, reasons := readyVerdict(round.Checked, round.Results)
			_ = report.WriteCheckReport(opts.IO.ColorOut(), format, report.NewCheckReport(opts.ConfigPath, round.Results, v, reasons))
			return err
		}
		if err := show(round); err != nil {
			return err
		}
		if round.Failed() {
			return failedError
		}
		return nil
	}
	return watchEvery(ctx, opts, wopts, show)
}

// readyVerdict is golive's "ready to send to NHS" on a round's own check results, the verdict
// `check` gives on the same results; the watch rules do not enter it.
func readyVerdict(cfg *model.Config, results []checks.Result) (report.Verdict, []string) {
	return golive.Verdict(cfg, nil, results, golive.Done)
}

// watchEvery runs rounds on the schedule until ctx ends. A file that cannot be read at the
// first round is a usage error; later, the round is reported on stderr and the next one tried,
// since the file may be mid-edit. Stopping is the normal end: exit 0.
func watchEvery(ctx context.Context, opts *WatchOptions, wopts watch.Options, show func(watch.Round) error) error {
	errOut := opts.IO.ColorErr()
	metrics := watch.NewMetrics(opts.ConfigPath, opts.Version)
	serveCtx, stopServing := context.WithCancel(context.Background())
	served := make(chan error, 1)
	defer func() {
		stopServing()
		if opts.MetricsListen != "" {
			if err := <-served; err != nil {
				fmt.Fprintf(errOut, "metrics server: %v\n", err)
			}
		}
	}()
	if opts.MetricsListen != "" {
		addr, _ := watch.MetricsAddr(opts.MetricsListen)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			opts.MetricsListen = "" // nothing to wait for
			return usageError(fmt.Errorf("--metrics-listen %s: %w", addr, errors.Unwrap(err)))
		}
		fmt.Fprintf(errOut, "serving Prometheus metrics at http://%s/metrics\n", ln.Addr())
		if opts.metricsReady != nil {
			opts.metricsReady(ln.Addr())
		}
		go func() { served <- watch.ServeMetrics(serveCtx, ln, metrics) }()
	}

	var last time.Time
	first := true
	var fatal error
	rounds, stopRounds := context.WithCancel(ctx)
	defer stopRounds()
	schedule := watch.Schedule{Every: opts.Every, Jitter: opts.Jitter}
	_ = schedule.Run(rounds, func(ctx context.Context) {
		round, err := watch.RunRound(ctx, wopts)
		var ce *watch.ConfigError
		switch {
		case ctx.Err() != nil:
			return
		case errors.As(err, &ce) && first:
			if round.Results != nil {
				_ = show(round)
			}
			fatal = usageError(ce.Err)
			stopRounds()
			return
		case errors.As(err, &ce):
			metrics.RoundError()
			fmt.Fprintf(errOut, "round at %s not run: %v\n", time.Now().UTC().Format(time.RFC3339), ce.Err)
			if round.Results == nil {
				return
			}
		}
		first = false
		last = round.Started
		metrics.Update(round)
		if err := show(round); err != nil {
			fmt.Fprintf(errOut, "%v\n", err)
		}
	})
	if fatal != nil {
		return fatal
	}
	if last.IsZero() {
		fmt.Fprintln(errOut, "stopped before a round completed; the state file is unchanged")
	} else {
		fmt.Fprintf(errOut, "stopped; the state file keeps the round of %s\n", last.UTC().Format(time.RFC3339))
	}
	return nil
}
