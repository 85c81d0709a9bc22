package cli

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cis2-golive/cis2-golive/checks"
)

// LiveFlags are the live checks' flags, the same for `check` and `wizard`.
type LiveFlags struct {
	Offline      bool
	Timeout      time.Duration
	KeyPath      string
	CACertPath   string
	AllowPrivate bool
	Discovery    string
	ProbeToken   bool
	LoginURL     string
	SignCmd      string
}

// bind registers the flags; offlineHelp says what --offline means for the command.
func (l *LiveFlags) bind(f *pflag.FlagSet, offlineHelp string) {
	f.BoolVar(&l.Offline, "offline", false, offlineHelp)
	f.DurationVar(&l.Timeout, "timeout", checks.DefaultTimeout, "give up on one live check after this long")
	f.StringVar(&l.KeyPath, "key", "", "sign a test client assertion with this PEM private key (read locally, never sent; must be chmod 600)")
	f.StringVar(&l.CACertPath, "ca-cert", "", "trust this PEM CA certificate as well as the system roots (CIS2 itself needs a public root)")
	f.BoolVar(&l.AllowPrivate, "allow-private", false, "accept endpoints on private or loopback addresses (testing only); a logout or JWKS URI that passes only so is never ready to send")
	f.StringVar(&l.Discovery, "discovery", "", "compare algorithms with this CIS2 discovery document URL, not the built-in snapshot")
	f.BoolVar(&l.ProbeToken, "probe-token-endpoint", false, "send one token request to CIS2 to confirm it accepts your client authentication")
	f.StringVar(&l.SignCmd, "sign-cmd", "", "sign the test client assertion with this shell command instead of --key (a KMS or HSM key): it reads the JWS signing input on stdin and writes the raw signature on stdout")
	f.StringVar(&l.LoginURL, "login-url", "", "check the authorize request your application's sign-in page redirects to (overrides login_url; CIS2 is not contacted)")
}

// validate reports a flag value the user must fix (exit 2).
func (l *LiveFlags) validate() error {
	if l.Timeout <= 0 {
		return usageError(fmt.Errorf("--timeout must be positive, such as 10s"))
	}
	if l.LoginURL != "" {
		if u, err := url.Parse(l.LoginURL); err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return usageError(fmt.Errorf("--login-url %q is not an absolute URL: give the page that starts sign-in, such as https://app.example.nhs.uk/login", l.LoginURL))
		}
	}
	if l.KeyPath != "" && l.SignCmd != "" {
		return usageError(errors.New("--key and --sign-cmd both give the signing key: pass one (--sign-cmd for a key that cannot leave its KMS or HSM)"))
	}
	if l.SignCmd != "" && strings.TrimSpace(l.SignCmd) == "" {
		return usageError(errors.New("--sign-cmd is empty: give the command that signs stdin, such as 'openssl dgst -sha256 -sign key.pem'"))
	}
	// A missing key file is a typo in the command, not a finding about the configuration.
	if l.KeyPath != "" {
		if _, err := os.Stat(l.KeyPath); err != nil {
			return usageError(fmt.Errorf("--key: cannot read %s: %w", l.KeyPath, errors.Unwrap(err)))
		}
	}
	return nil
}

// options turns the flags into the live checks' options.
func (l *LiveFlags) options() (checks.Options, error) {
	live := checks.Options{
		Timeout:            l.Timeout,
		AllowPrivate:       l.AllowPrivate,
		KeyPath:            l.KeyPath,
		SignCommand:        l.SignCmd,
		Discovery:          l.Discovery,
		ProbeTokenEndpoint: l.ProbeToken,
		LoginURL:           l.LoginURL,
	}
	if l.CACertPath != "" {
		pool, err := systemPoolWith(l.CACertPath)
		if err != nil {
			return live, usageError(err)
		}
		live.RootCAs = pool
	}
	return live, nil
}

// systemPoolWith is the system roots plus the CA certificates in path.
func systemPoolWith(path string) (*x509.CertPool, error) {

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("--ca-cert %s: no PEM certificate found; pass the CA certificate in PEM form", path)
	}
	return pool, nil
}
