package cli

import "testing"

func TestLiveFlagsLoginURL(t *testing.T) {
	l := LiveFlags{Timeout: 1, LoginURL: "https://epr.acme-health.co.uk/auth/cis2/login"}
	if err := l.validate(); err != nil {
		t.Fatal(err)
	}
	opts, err := l.options()
	if err != nil || opts.LoginURL != l.LoginURL {
		t.Errorf("options() = %q, %v; want the login URL passed to the checks", opts.LoginURL, err)
	}
	for _, bad := range []string{"/login", "epr.acme-health.co.uk/login", "ftp://epr.acme-health.co.uk/"} {
		l.LoginURL = bad
		if err := l.validate(); exitCode(err) != ExitUsage {
			t.Errorf("--login-url %q: %v, want a usage error", bad, err)
		}
	}
}
