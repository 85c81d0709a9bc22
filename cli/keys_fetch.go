package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// keysFetcher gets a JWKS (or key) over https for `keys inspect` with the live checks' own
// fetch (checks.FetchJWKS, through checks.NewHTTPClient): TLS 1.2+, at most
// checks.MaxRedirects redirects and never https→http, a body of at most 1 MiB, and one timeout
// over the whole exchange, so a dripping server ends with one message. On top of it: https
// only (a key set fetched in clear text proves nothing).
type keysFetcher struct {
	client  *http.Client
	timeout time.Duration
}

func newKeysFetcher(caCertPath string, timeout time.Duration) (*keysFetcher, error) {
	opts := checks.Options{Timeout: timeout}
	if caCertPath != "" {
		pool, err := systemPoolWith(caCertPath)
		if err != nil {
			return nil, usageError(err)
		}
		opts.RootCAs = pool
	}
	return &keysFetcher{client: checks.NewHTTPClient(opts), timeout: timeout}, nil
}

// isURL reports whether a FILE|URL argument is meant as a URL.
func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// get fetches rawURL and returns its body. Each cause of failure has one message: the
// client's single timeout is the only clock, so a slow or dripping server always reads as
// "no answer within --timeout", never as whichever of two deadlines fired first.
func (f *keysFetcher) get(ctx context.Context, rawURL string) ([]byte, error) {
	where := sanitize.Clean(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, usageError(fmt.Errorf("%s: use an https:// URL (CIS2 fetches JWKS over https only)", where))
	}
	got, err := checks.FetchJWKS(ctx, f.client, rawURL)
	var fe *checks.FetchError
	switch {
	case err == nil:
		return got.Body, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.As(err, &fe) && fe.Timeout():
		return nil, fmt.Errorf("fetch %s: no answer within %s; raise --timeout if the server is just slow", where, f.timeout)
	case errors.Is(err, checks.ErrBodyTooLarge):
		return nil, fmt.Errorf("fetch %s: body larger than 1 MiB; a JWKS is a few KiB", where)
	case errors.As(err, &fe) && fe.Cause != "":
		return nil, fmt.Errorf("fetch %s: %s", where, fe.Cause)
	case errors.As(err, &fe) && fe.Status != http.StatusOK:
		return nil, fmt.Errorf("fetch %s: HTTP %d; a JWKS URI must answer 200 with the key set", where, fe.Status)
	}
	return nil, fmt.Errorf("fetch %s: %w", where, err)
}
