// Package watch re-checks a live configuration and says what changed since the last time: it
// runs the same checks as `check` (checks.Plan and checks.Run), then the watch rules (key
// drift, certificate expiry, discovery and configuration drift, regressions) against the state
// the previous run left in a file. It also schedules rounds (Schedule) and exposes the latest
// round as Prometheus metrics (Metrics). It does no rendering: package report does.
package watch

import (
	"context"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// Options configure the rounds of one watch.
type Options struct {
	// ConfigPath is the configuration watched (for the state and the report); LoadConfig
	// reads it, afresh each round, so an edit is picked up without a restart.
	ConfigPath string
	LoadConfig func() (*model.Config, []model.Finding, error)
	// SubmittedPath and LoadSubmitted are --submitted: the configuration sent to NHS, also
	// read each round. LoadSubmitted is nil when none was given.
	SubmittedPath string
	LoadSubmitted func() (*model.Config, error)
	// StatePath is the state file (see DefaultStatePath).
	StatePath string
	// Live are the live checks' options. Live.Now defaults to Now.
	Live checks.Options
	// Now is the clock the rules judge expiry by (nil: time.Now). Tests move it.
	Now func() time.Time
	// ToolVersion is recorded in the state file.
	ToolVersion string
	// Progress, when set, is given each round's plan and returns the runner's emit callback.
	Progress func([]checks.Check) func(int, checks.Result)
}

// Round is one completed run: the checks' results followed by the watch rules', and the
// changes since the previous run.
type Round struct {
	Config   string
	Started  time.Time
	Duration time.Duration
	// Previous is when the run compared with ran; zero on the first run.
	Previous time.Time
	Results  []checks.Result
	Changes  []Change
	// Checked is the configuration the round read (nil when it could not), and Checks the
	// results of `check` itself, offline and live: the first len(Checks) of Results, and what
	// golive's "ready to send to NHS" verdict is drawn from, as for `check`.
	Checked *model.Config
	Checks  []checks.Result
}

// Failed reports whether any result of the round failed.
func (r Round) Failed() bool { return checks.Summarise(r.Results).Failed() }

// Regressions counts the results that passed last time and fail now.
func (r Round) Regressions() int {
	n := 0
	for _, c := range r.Changes {
		if c.Kind == KindRegression {
			n++
		}
	}
	return n
}

// ConfigError is a file the round reads or writes that is wrong (the configuration,
// --submitted, or the state file, unreadable or unwritable): the user's to fix, not a finding.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// RunRound runs one round: the checks, the watch rules against the saved state, and then
// saves the new state. A round cut short by ctx returns what finished and ctx's error, and
// saves nothing: a half-run baseline would hide the next run's regressions.
func RunRound(ctx context.Context, opts Options) (Round, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	started, clock := now(), time.Now()
	round := Round{Config: opts.ConfigPath, Started: started}

	cfg, notes, err := opts.LoadConfig()
	if err != nil {
		return round, &ConfigError{err}
	}
	round.Checked = cfg
	var submitted *model.Config
	if opts.LoadSubmitted != nil {
		if submitted, err = opts.LoadSubmitted(); err != nil {
			return round, &ConfigError{err}
		}
	}
	prev, err := LoadState(opts.StatePath)
	if err == nil {
		err = checkOwner(opts.StatePath, prev, cfg)
	}
	if err != nil {
		return round, &ConfigError{err}
	}
	if prev != nil {
		round.Previous = prev.RunAt
	}

	results := checks.Offline(cfg, notes)
	seen := &checks.Observed{}
	live := opts.Live
	live.Observe = seen
	if live.Now == nil {
		live.Now = now
	}
	list := checks.Plan(cfg, live)
	var emit func(int, checks.Result)
	if opts.Progress != nil {
		emit = opts.Progress(list)
	}
	results = append(results, checks.Run(ctx, list, live, emit)...)
	seen.Release()
	round.Duration = time.Since(clock)
	round.Checks = results
	if err := ctx.Err(); err != nil {
		round.Results = results
		return round, err
	}

	rules, changes, next := Evaluate(prev, Observation{
		Config: cfg, Results: results, JWKS: seen.JWKS(),
		DiscoveryURL: live.Discovery, Discovery: seen.Discovery(),
		Submitted: submitted, SubmittedPath: opts.SubmittedPath, Now: started,
	})
	round.Results = append(results[:len(results):len(results)], rules...)
	round.Changes = append(markRegressions(prev, round.Results), changes...)

	next.ToolVersion, next.Config, next.DurationMS = opts.ToolVersion, opts.ConfigPath, round.Duration.Milliseconds()
	next.ClientID = cfg.ClientID
	next.Results = outcomes(prev, round.Results)
	if err := SaveState(opts.StatePath, next); err != nil {
		return round, &ConfigError{err}
	}
	return round, nil
}
