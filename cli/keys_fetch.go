package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// keysFetcher gets a JWKS (or key) over https for `keys inspect`, with the live checks' one
// hardened client (checks.NewHTTPClient): TLS 1.2+, at most checks.MaxRedirects redirects and
// never https→http, one timeout over the whole exchange so a dripping server cannot hold the
// command. On top of it: https only (a key set fetched in clear text proves nothing) and a body
// of at most keys.MaxSetBytes (1 MiB), the same cap as the live jwks.fetch check.
type keysFetcher struct {
	client *http.Client
}

func newKeysFetcher(caCertPath string) (*keysFetcher, error) {
	var opts checks.Options
	if caCertPath != "" {
		pool, err := systemPoolWith(caCertPath)
		if err != nil {
			return nil, usageError(err)
		}
		opts.RootCAs = pool
	}
	return &keysFetcher{client: checks.NewHTTPClient(opts)}, nil
}

// isURL reports whether a FILE|URL argument is meant as a URL.
func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// get fetches rawURL and returns its body, refusing anything over the size cap.
func (f *keysFetcher) get(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, usageError(fmt.Errorf("%s: use an https:// URL (CIS2 fetches JWKS over https only)", sanitize.Clean(rawURL)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", sanitize.Clean(rawURL), err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("fetch %s: %s", sanitize.Clean(rawURL), checks.DescribeError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: HTTP %d; a JWKS URI must answer 200 with the key set", sanitize.Clean(rawURL), resp.StatusCode)
	}
	body, err := checks.ReadBody(resp.Body, keys.MaxSetBytes)
	if errors.Is(err, checks.ErrBodyTooLarge) {
		return nil, fmt.Errorf("fetch %s: body larger than 1 MiB; a JWKS is a few KiB", sanitize.Clean(rawURL))
	}
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %s", sanitize.Clean(rawURL), checks.DescribeError(err))
	}
	return body, nil
}
