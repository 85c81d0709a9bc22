package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// KeysInspectOptions are the arguments and flags of `keys inspect`.
type KeysInspectOptions struct {
	IO      *IOStreams
	Target  string // FILE or https URL
	JWKS    string // FILE or https URL, for a private key
	Format  string // text or json
	CACert  string
	Timeout time.Duration
}

func newCmdKeysInspect(ios *IOStreams) *cobra.Command {
	opts := &KeysInspectOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "inspect FILE|URL",
		Short: "Show what a PEM key, JWK or JWKS holds, and whether it is safe to publish",
		Long: "inspect reads a PEM private or public key, a JWK, or a JWK Set (a file or an https URL)\n" +
			"and shows each key's type, size, kid, RFC 7638 thumbprint, alg, use and x5c, and whether\n" +
			"private key material is present. A JWKS is checked as CIS2 would read it, by the rules of\n" +
			"`check`'s jwks.* checks: public keys only, kids that tell the keys apart, a key that can\n" +
			"verify RS256 or RS512, alg and x5c consistent with the key. A URL must serve a JWK Set.\n\n" +
			"A single key is checked against CIS2: RSA of 2048 bits or more (RS256 or RS512).\n\n" +
			"For a private key, --jwks says whether its public half is in that JWKS (by thumbprint)\n" +
			"and a verifier would select it (by kid, as check's assertion.sign-verify does), and\n" +
			"checks that JWKS is safe to publish, as inspecting it directly would.\n\n" +
			"Exit codes: 0 nothing wrong (warnings allowed), 1 private material in a JWKS (--jwks too),\n" +
			"a key CIS2 cannot use (such as an EC-only JWKS), a single JWK at a URL, another failed rule,\n" +
			"or the private key's public half missing from --jwks or not selected there, 2 usage error\n" +
			"or unreadable input.",
		Example: "  cis2-golive keys inspect https://rp.example.org/.well-known/jwks.json\n" +
			"  cis2-golive keys inspect keys/private-key-AbCdEfGh.pem --jwks https://rp.example.org/jwks.json\n" +
			"  cis2-golive keys inspect jwks.json --format json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if opts.Format != "text" && opts.Format != "json" {
				return usageError(fmt.Errorf("--format %q: use text or json", opts.Format))
			}
			if opts.Timeout <= 0 {
				return usageError(errors.New("--timeout must be positive, such as 10s"))
			}
			return runKeysInspect(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.JWKS, "jwks", "", "the JWKS (file or https URL) that should hold the private key's public half")
	setPlaceholder(cmd.Flags(), "jwks", "FILE|URL")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text or json")
	cmd.Flags().StringVar(&opts.CACert, "ca-cert", "", "trust this PEM CA certificate for https URLs (private CAs; CIS2 itself needs a public root)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", checks.DefaultTimeout, "give up on fetching a URL after this long")
	return cmd
}

func runKeysInspect(ctx context.Context, opts *KeysInspectOptions) error {
	var fetcher *keysFetcher
	load := func(src string) ([]byte, error) {
		if !isURL(src) {
			return readSmallFile(src)
		}
		if fetcher == nil {
			var err error
			if fetcher, err = newKeysFetcher(opts.CACert, opts.Timeout); err != nil {
				return nil, err
			}
		}
		if opts.IO.IsStderrTTY() { // a fetch can take up to the timeout: say what is happening
			fmt.Fprintf(opts.IO.ErrOut, "Fetching %s…\n", sanitize.Clean(src))
		}
		return fetcher.get(ctx, src)
	}
	data, err := load(opts.Target)
	if err != nil {
		return asUsage(err)
	}
	ins, err := keys.Inspect(data, keys.InspectOptions{Source: opts.Target, Remote: isURL(opts.Target)})
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", sanitize.Clean(opts.Target), err))
	}
	if opts.JWKS != "" {
		if ins.Kind != keys.KindPrivateKey {
			return usageError(errors.New("--jwks applies to a private key; to check a JWKS, inspect it directly"))
		}
		data, err := load(opts.JWKS)
		if err != nil {
			return asUsage(err)
		}
		if err := ins.MatchJWKS(opts.JWKS, data, isURL(opts.JWKS)); err != nil {
			return usageError(fmt.Errorf("--jwks %s: %w", sanitize.Clean(opts.JWKS), err))
		}
	}
	if err := report.WriteKeysInspection(opts.IO.ColorOut(), opts.IO.ColorErr(), opts.Format, ins); err != nil {
		return err
	}
	if ins.Failed {
		return failedError
	}
	return nil
}

// asUsage marks input errors as exit 2 but keeps cancellation recognisable (exit 130).
func asUsage(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) || errors.Is(err, context.Canceled) {
		return err
	}
	return usageError(err)
}

// readSmallFile reads a key or JWKS file of at most keys.MaxSetBytes. Errors name the path
// once: an *os.PathError already carries it.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, fmt.Errorf("%s is a directory: pass a key or JWKS file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, keys.MaxSetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > keys.MaxSetBytes {
		return nil, fmt.Errorf("%s: larger than 1 MiB; a key or JWKS is a few KiB", path)
	}
	return data, nil
}
