package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/report"
)

// AssertionLintOptions are the arguments and flags of `assertion lint`.
type AssertionLintOptions struct {
	IO           *IOStreams
	ConfigPath   string
	Source       string // the JWT, or "-" (also when empty) for stdin
	Format       string
	JWKS         string // FILE or URL instead of the configuration's jwks_uri
	At           string // RFC 3339: judge times as of then
	Discovery    string
	CACertPath   string
	AllowPrivate bool
	Timeout      time.Duration
}

func newCmdAssertion(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "assertion",
		Short: "Check a client assertion your application really sends",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdAssertionLint(ios))
	return cmd
}

func newCmdAssertionLint(ios *IOStreams) *cobra.Command {
	opts := &AssertionLintOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "lint --config FILE [JWT|-]",
		Short: "Lint a client assertion captured from your application",
		Long: "lint decodes a private_key_jwt client assertion, as your application posts it to CIS2's\n" +
			"token endpoint, without trusting it, and checks what CIS2 checks, one line per rule: alg is\n" +
			"token_endpoint_auth_signing_alg; kid is present and in the published JWKS (jwks_uri,\n" +
			"fetched as check's jwks.fetch does, or --jwks); the signature verifies with that key;\n" +
			"iss = sub = client_id; aud is the token endpoint byte for byte, with its :443 (it says what\n" +
			"differs); exp is in the future and exp - iat at most 5 minutes (warns above); iat and nbf are\n" +
			"not more than 60 s in the future; jti is present; typ is reported. CIS2 answers every one of\n" +
			"these mistakes with the same \"JWT is not valid\".\n\n" +
			"Give the JWT as the argument or, better, on stdin (- or nothing): an argument stays in your\n" +
			"shell history. A pasted token request body or log line is fine: the JWT is found in it. An\n" +
			"assertion is a credential for a few minutes: it is never written anywhere, and the report\n" +
			"shows only its decoded header and claims.\n\n" +
			"Exit codes: 0 no failure (warnings allowed), 1 at least one failure, 2 usage error.",
		Example: "  pbpaste | cis2-golive assertion lint --config prod.yaml\n" +
			"  cis2-golive assertion lint --config prod.yaml - < captured.txt\n" +
			"  cis2-golive assertion lint --config prod.yaml --jwks keys/jwks.json --at 2026-12-01T10:15:00Z -",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Source = args[0]
			}
			if opts.ConfigPath == "" {
				return usageError(errors.New("--config is required: pass the configuration the assertion is for"))
			}
			if _, err := report.ParseFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			if opts.Timeout <= 0 {
				return usageError(errors.New("--timeout must be positive, such as 10s"))
			}
			return runAssertionLint(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "configuration file (YAML, JSON, or a Connection Manager export)")
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, json or markdown")
	f.StringVar(&opts.JWKS, "jwks", "", "look the kid up in this JWKS (file or https URL) instead of the configuration's jwks_uri")
	setPlaceholder(f, "jwks", "FILE|URL")
	f.StringVar(&opts.At, "at", "", "judge exp and iat as of this time (RFC 3339, such as 2026-12-01T10:15:00Z): when the assertion was captured")
	f.StringVar(&opts.Discovery, "discovery", "", "take the token endpoint (the aud) from this CIS2 discovery document URL, not the built-in snapshot")
	f.StringVar(&opts.CACertPath, "ca-cert", "", "trust this PEM CA certificate as well as the system roots")
	f.BoolVar(&opts.AllowPrivate, "allow-private", false, "accept a JWKS URI on a private or loopback address (testing only)")
	f.DurationVar(&opts.Timeout, "timeout", checks.DefaultTimeout, "give up on fetching the JWKS after this long")
	return cmd
}

func runAssertionLint(ctx context.Context, opts *AssertionLintOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, _ := report.ParseFormat(opts.Format)
	cfg, _, err := loadFrom("--config", opts.ConfigPath)
	if err != nil {
		return usageError(err)
	}
	live := checks.Options{Timeout: opts.Timeout, AllowPrivate: opts.AllowPrivate, Discovery: opts.Discovery}
	if opts.At != "" {
		at, err := time.Parse(time.RFC3339, opts.At)
		if err != nil {
			return usageError(fmt.Errorf("--at %q: use RFC 3339, such as 2026-12-01T10:15:00Z", opts.At))
		}
		live.Now = func() time.Time { return at }
	}
	if opts.CACertPath != "" {
		if live.RootCAs, err = systemPoolWith(opts.CACertPath); err != nil {
			return usageError(err)
		}
	}
	var set *keys.Set
	switch {
	case opts.JWKS == "":
	case isURL(opts.JWKS):
		c := cfg.Clone()
		c.JWKSURI = opts.JWKS
		cfg = &c
	default:
		data, err := readSmallFile(opts.JWKS)
		if err != nil {
			return usageError(fmt.Errorf("--jwks: %w", err))
		}
		if set, err = keys.ParseSet(data); err != nil {
			return usageError(fmt.Errorf("--jwks %s: %w", opts.JWKS, err))
		}
	}
	token, err := readAssertion(opts)
	if err != nil {
		return err
	}
	list := checks.AssertionLint(cfg, live, token, set)
	results := checks.Run(ctx, list, live, nil)
	rep := report.NewLintReport(opts.ConfigPath, results)
	if err := report.WriteCheckReport(opts.IO.ColorOut(), format, rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if rep.Summary.Failed() {
		return failedError
	}
	return nil
}

// readAssertion takes the JWT from the argument or stdin (one pasted line on a terminal, else
// everything, bounded) and finds it in what was given.
func readAssertion(opts *AssertionLintOptions) (string, error) {
	raw := opts.Source
	if raw == "" || raw == "-" {
		var data []byte
		var err error
		if opts.IO.stdinTTY {
			fmt.Fprintln(opts.IO.ErrOut, "Paste the client assertion (or the token request body or log line holding it), then press Enter:")
			data, err = bufio.NewReaderSize(io.LimitReader(opts.IO.In, checks.MaxAssertionBytes), 4096).ReadBytes('\n')
			if errors.Is(err, io.EOF) {
				err = nil
			}
		} else {
			data, err = io.ReadAll(io.LimitReader(opts.IO.In, checks.MaxAssertionBytes+1))
		}
		if err != nil {
			return "", usageError(fmt.Errorf("read the assertion from stdin: %w", err))
		}
		if len(data) > checks.MaxAssertionBytes {
			return "", usageError(fmt.Errorf("stdin holds more than %d KiB; a client assertion is under 2 KiB", checks.MaxAssertionBytes>>10))
		}
		raw = string(data)
	} else {
		fmt.Fprintln(opts.IO.ErrOut, "note: an assertion given as an argument stays in your shell history; pass - and paste it on stdin instead")
	}
	token := checks.ExtractAssertion(raw)
	if token == "" {
		what := "the argument"
		if opts.Source == "" || opts.Source == "-" {
			what = "stdin"
		}
		return "", usageError(fmt.Errorf("no JWT in %s (%s): paste the client_assertion value, which starts eyJ", what, describeInput(raw)))
	}
	return token, nil
}

// describeInput says what was given instead of a JWT without repeating any of it: it may be a
// credential of another kind, pasted by mistake.
func describeInput(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "it is empty"
	}
	return fmt.Sprintf("%d characters, none of them a JWT", len(s))
}
