package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

func newCmdKeys(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, inspect and rotate signing keys",
		Long: "keys makes the right way to handle private_key_jwt keys the easy way, locally: no\n" +
			"openssl one-liners, no web JWK converters asking for your private key.\n\n" +
			"  keys new      create a key pair: a private key file and the jwks.json to publish\n" +
			"  keys inspect  show what a PEM key, JWK or JWKS (file or https URL) holds\n" +
			"  keys rotate   add the next key to your JWKS and print the rotation steps",
		// Runnable, so that an unknown subcommand is an error (exit 2) rather than help.
		Args: noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdKeysNew(ios), newCmdKeysInspect(ios), newCmdKeysRotate(ios))
	return cmd
}

// KeysNewOptions are the flags of `keys new`.
type KeysNewOptions struct {
	IO     *IOStreams
	Alg    string
	Bits   int
	OutDir string
}

func newCmdKeysNew(ios *IOStreams) *cobra.Command {
	opts := &KeysNewOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Create a signing key pair and the jwks.json to publish",
		Long: "new creates an RSA private key (PKCS#8 PEM, file mode 0600) and jwks.json holding only\n" +
			"its public half (kty, n, e, use \"sig\", alg, and kid = the key's RFC 7638 thumbprint).\n" +
			"It never overwrites a file.\n\n" +
			"Exit codes: 0 written, 2 usage error or a file already present.",
		Example: "  cis2-golive keys new -o keys/\n" +
			"  cis2-golive keys new --alg RS512 --bits 3072 -o keys/",
		Args: noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateAlgBits(opts.Alg, opts.Bits); err != nil {
				return err
			}
			return runKeysNew(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Alg, "alg", keys.DefaultAlg, "signing algorithm you register with CIS2: "+strings.Join(model.CIS2.TokenEndpointSigningAlgs, " or "))
	cmd.Flags().IntVar(&opts.Bits, "bits", 2048, "key size in bits for the RSA key: 2048, 3072 or 4096")
	cmd.Flags().StringVarP(&opts.OutDir, "output", "o", ".", "directory to write the key and jwks.json into (created, mode 0700, if missing)")
	return cmd
}

func validateAlgBits(alg string, bits int) error {
	if alg != "" && !slices.Contains(model.CIS2.TokenEndpointSigningAlgs, alg) {
		return usageError(fmt.Errorf("--alg %q: CIS2 accepts %s", alg, strings.Join(model.CIS2.TokenEndpointSigningAlgs, " or ")))
	}
	if !slices.Contains(keys.AllowedBits, bits) {
		return usageError(fmt.Errorf("--bits %d: use 2048, 3072 or 4096", bits))
	}
	return nil
}

// generating says a key is being made, on a terminal only: a 4096-bit key can take seconds
// on a slow machine, and a silent pause looks like a hang. keys calls it once the inputs
// have passed its checks.
func generating(ios *IOStreams) func(bits int) {
	if !ios.IsStderrTTY() {
		return nil
	}
	return func(bits int) { fmt.Fprintf(ios.ErrOut, "Generating a %d-bit RSA key…\n", bits) }
}

func runKeysNew(opts *KeysNewOptions) error {
	f, err := keys.WriteNew(opts.OutDir, opts.Alg, opts.Bits, generating(opts.IO))
	if err != nil {
		return usageError(withDirHint(err))
	}
	w := opts.IO.Out
	io.WriteString(w, report.Hang("", fmt.Sprintf("Created a %d-bit RSA signing key for %s (kid %s).", f.Bits, f.Alg, f.KID))+"\n")
	printKeyFiles(w, f, "public key set: publish it at your JWKS URI (the jwks_uri you give NHS)")
	fmt.Fprintln(w, "\nNext:")
	printSteps(w,
		fmt.Sprintf("Serve %s at your JWKS URI over https, reachable from the internet.", f.JWKSPath),
		fmt.Sprintf("Register token_endpoint_auth_method private_key_jwt, that jwks_uri and token_endpoint_auth_signing_alg %s.", f.Alg),
		fmt.Sprintf("Sign client assertions with %s and the header kid %s.", f.KeyPath, f.KID),
		fmt.Sprintf("Once published, confirm it: cis2-golive keys inspect %s --jwks https://YOUR-JWKS-URI", f.KeyPath))
	return nil
}

// withDirHint says how to avoid a file a new key would overwrite: another -o DIR.
func withDirHint(err error) error {
	var ee *keys.ExistsError
	if errors.As(err, &ee) {
		return fmt.Errorf("%w: choose another directory with -o DIR", err)
	}
	return err
}

// printSteps numbers steps and wraps each under its own text.
func printSteps(w io.Writer, steps ...string) {
	for i, s := range steps {
		io.WriteString(w, report.Hang(fmt.Sprintf("  %d. ", i+1), s))
	}
}

// printKeyFiles says where each file went and which one may leave the server. Each
// description wraps under itself; a path too long for that starts it on the next line.
func printKeyFiles(w io.Writer, f keys.Files, jwksRole string) {
	width := max(len(f.KeyPath), len(f.JWKSPath))
	for _, file := range []struct{ path, role string }{
		{f.KeyPath, "PRIVATE KEY (mode 0600): never leaves the server that signs client assertions; never email it, commit it or paste it into a website."},
		{f.JWKSPath, jwksRole},
	} {
		if width > report.TextWidth/2 {
			io.WriteString(w, "  "+file.path+"\n"+report.Hang("      ", file.role))
			continue
		}
		io.WriteString(w, report.Hang(fmt.Sprintf("  %-*s  ", width, file.path), file.role))
	}
}

// KeysRotateOptions are the flags of `keys rotate`.
type KeysRotateOptions struct {
	IO       *IOStreams
	JWKSPath string
	OutDir   string
	Alg      string
	Bits     int
}

func newCmdKeysRotate(ios *IOStreams) *cobra.Command {
	opts := &KeysRotateOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Add the next signing key to your JWKS and print the rotation steps",
		Long: "rotate creates the next private key and writes jwks.json holding every current key,\n" +
			"byte-for-byte, followed by the new one: nothing is removed. Then it prints the rotation\n" +
			"steps in order. The new key keeps the current keys' alg unless --alg is given.\n\n" +
			"jwks.json is written in DIR (default: beside --jwks, replacing it: the new file holds all\n" +
			"of the old one). Any other existing file is never overwritten. A JWKS that holds private\n" +
			"key material is refused.\n\n" +
			"Exit codes: 0 written, 2 usage error, unreadable or unsafe JWKS, or a file already present.",
		Example: "  cis2-golive keys rotate --jwks keys/jwks.json\n" +
			"  cis2-golive keys rotate --jwks published.json -o next/",
		Args: noArgs("--jwks"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.JWKSPath == "" {
				return usageError(fmt.Errorf("--jwks is required: pass the JWKS you publish today (a file; download it first if you only have the URL)"))
			}
			if isURL(opts.JWKSPath) {
				return usageError(fmt.Errorf("--jwks %s: pass a file; rotate keeps its bytes exactly, so download the JWKS first", opts.JWKSPath))
			}
			if err := validateAlgBits(opts.Alg, opts.Bits); err != nil {
				return err
			}
			return runKeysRotate(opts)
		},
	}
	cmd.Flags().StringVar(&opts.JWKSPath, "jwks", "", "the JWKS you publish today (file)")
	cmd.Flags().StringVarP(&opts.OutDir, "output", "o", "", "directory for the new key and jwks.json (default: the directory of --jwks)")
	cmd.Flags().StringVar(&opts.Alg, "alg", "", "signing algorithm of the new key (default: the current keys' alg, else RS256)")
	cmd.Flags().IntVar(&opts.Bits, "bits", 2048, "key size in bits for the RSA key: 2048, 3072 or 4096")
	return cmd
}

// rotationCacheWait is how long to wait between publishing the combined JWKS and signing
// with the new key. CIS2's JWKS cache lifetime is not published (NHS's key-management page,
// https://digital.nhs.uk/services/care-identity-service/applications-and-services/cis2-authentication/integrate/design-and-build/key-management,
// does not give one), so this is a conservative day rather than a measured value.
const rotationCacheWait = "24 hours"

func runKeysRotate(opts *KeysRotateOptions) error {
	dir := opts.OutDir
	if dir == "" {
		dir = filepath.Dir(opts.JWKSPath)
	}
	f, err := keys.Rotate(opts.JWKSPath, dir, opts.Alg, opts.Bits, generating(opts.IO))
	if err != nil {
		return usageError(withDirHint(err))
	}
	w := opts.IO.Out
	io.WriteString(w, report.Hang("", fmt.Sprintf("Added a new %d-bit RSA key for %s (kid %s) next to the %s; nothing was removed.",
		f.Bits, f.Alg, f.KID, report.Plural(f.Keys-1, "current key", "current keys")))+"\n")
	printKeyFiles(w, f, fmt.Sprintf("combined public key set (%s): publish it in step 1", report.Plural(f.Keys, "key", "keys")))
	// The order matters: CIS2 must be able to see the new kid before any assertion uses it,
	// and the old kid must stay until no cached JWKS or in-flight assertion needs it. Rotating
	// behind the same JWKS URI needs no NHS involvement (CIS2's registration and security
	// considerations guidance, under digital.nhs.uk .../cis2-authentication/guidance-for-developers/detailed-guidance/).
	fmt.Fprintln(w, "\nRotation steps, in order:")
	printSteps(w,
		fmt.Sprintf("Publish %s at your JWKS URI, replacing the current set. Keep signing with the current key. "+
			"Check it is live: cis2-golive keys inspect https://YOUR-JWKS-URI", f.JWKSPath),
		fmt.Sprintf("Wait at least %s. CIS2 caches your JWKS and does not publish for how long, so wait at least the "+
			"longest time a cached copy could live; a day is a safe margin. An assertion whose kid CIS2 has not "+
			"fetched yet fails with \"invalid_client\".", rotationCacheWait),
		fmt.Sprintf("Switch signing to the new key: %s, header kid %s.", f.KeyPath, f.KID),
		fmt.Sprintf("Later (after another %s, once nothing signs with the old key), remove the old key(s) from the "+
			"JWKS, publish it, and destroy the old private key file(s).", rotationCacheWait))
	io.WriteString(w, "\n"+report.Hang("", "No new configuration submission to NHS is needed: the JWKS URI stays the same, "+
		"and rolling keys behind it is what private_key_jwt allows without NHS involvement."))
	return nil
}
