package checks

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// IDClock is clock.skew.
const IDClock = "clock.skew"

// The clock skew thresholds. CIS2 rejects a client assertion whose iat lies in its future or
// whose exp has passed ("JWT is not valid", nothing more), and assertions live 5 minutes: a
// clock 5 minutes out fails every sign-in; 30 s is already more than most servers' leeway.
const (
	skewWarn = 30 * time.Second
	skewFail = 5 * time.Minute
)

// clockTarget is clock.skew's target: the clock judged is this machine's (and, when CIS2 was
// contacted, the application servers' too).
const clockTarget = "this machine"

// dateSample is one server's Date header and when, by the local clock, the exchange ran.
type dateSample struct {
	date           time.Time
	sent, received time.Time
}

// skew is how far the server's clock is ahead of the local one. A Date header has 1 s
// resolution (RFC 9110 §5.6.7), so the server's time is taken as the middle of its second,
// and the local time as the middle of the exchange.
func (s dateSample) skew() time.Duration {
	local := s.sent.Add(s.received.Sub(s.sent) / 2)
	return s.date.Add(500 * time.Millisecond).Sub(local)
}

// uncertainty is how far skew may be off: the server stamped its Date at some moment of the
// exchange, at most half of it from the middle, and within the Date's second.
func (s dateSample) uncertainty() time.Duration {
	return s.received.Sub(s.sent)/2 + 500*time.Millisecond
}

// dateRecorder is a RoundTripper that notes every answer's Date header, per host, keeping
// the sample with the shortest round trip (the most precise). The checks' own requests feed
// it, so the clock check costs nothing extra when others already talked to a server.
type dateRecorder struct {
	base http.RoundTripper
	now  func() time.Time
	mu   sync.Mutex
	by   map[string]dateSample
}

func (d *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := d.now()
	resp, err := d.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	received := d.now()
	if date, ok := serverTime(resp.Header); ok {
		host := strings.ToLower(req.URL.Hostname())
		s := dateSample{date: date, sent: sent, received: received}
		d.mu.Lock()
		if old, ok := d.by[host]; !ok || s.received.Sub(s.sent) < old.received.Sub(old.sent) {
			d.by[host] = s
		}
		d.mu.Unlock()
	}
	return resp, err
}

// serverTime is the server's clock as an answer states it: its Date, plus its Age when a
// cache served it (a CDN in front of a JWKS or discovery document keeps the origin's Date and
// counts in Age how long it has held the answer, RFC 9111 §4.2.3). An answer whose Age does
// not parse says nothing reliable and is not used.
func serverTime(h http.Header) (time.Time, bool) {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return time.Time{}, false
	}
	if raw := h.Get("Age"); raw != "" {
		age, err := strconv.ParseUint(strings.TrimSpace(raw), 10, 31)
		if err != nil {
			return time.Time{}, false
		}
		date = date.Add(time.Duration(age) * time.Second)
	}
	return date, true
}

func (d *dateRecorder) samples() map[string]dateSample {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]dateSample, len(d.by))
	for h, s := range d.by {
		out[h] = s
	}
	return out
}

// clockCheck installs the Date recorder on the run's client and returns clock.skew. It waits
// for the run's shared fetches (the discovery document, the JWKS) so it reads their samples.
func (r *run) clockCheck() Check {
	rec := &dateRecorder{base: r.client.Transport, now: r.opts.Now, by: map[string]dateSample{}}
	r.client.Transport = rec
	after := func(ctx context.Context) {
		r.discovery(ctx)
		if _, ok := endpointFor(r.cfg, "jwks_uri"); ok {
			r.jwks(ctx)
		}
	}
	return Check{ID: IDClock, Target: clockTarget, After: after, Run: func(ctx context.Context) Result { return r.clockSkew(ctx, rec) }}
}

// clockSkew is clock.skew: this machine's clock against CIS2's Date header when CIS2 was
// contacted (--discovery), else against the application's own endpoints; and, with both, each
// application server's clock against CIS2's, since those servers sign the assertions.
func (r *run) clockSkew(ctx context.Context, rec *dateRecorder) Result {
	cis2Hosts := r.cis2Hosts(ctx)
	split := func(samples map[string]dateSample) (cis2Host string, app []string) {
		for h := range samples {
			if slices.Contains(cis2Hosts, h) {
				if cis2Host == "" || h < cis2Host {
					cis2Host = h
				}
			} else {
				app = append(app, h)
			}
		}
		slices.Sort(app)
		return cis2Host, app
	}
	samples := rec.samples()
	cis2Host, app := split(samples)
	if len(app) == 0 {
		// The application's own clock matters as much (its servers sign the assertions), and
		// no shared fetch talked to it: ask one of its endpoints.
		r.sampleOwnEndpoint(ctx, cis2Hosts)
		samples = rec.samples()
		cis2Host, app = split(samples)
	}
	if len(samples) == 0 {
		return Result{Status: model.Skip, Message: "no server answered with a Date header to compare this machine's clock with"}
	}
	return judgeClock(samples, cis2Host, app)
}

// judgeClock is clock.skew's verdict on the samples: against CIS2's (cis2Host) when there is
// one, else against each application server's (app). A skew counts only as far as it is
// certain: a Date is stamped somewhere within its exchange, so a slow answer leaves its
// estimate up to half the round trip (and the Date's own second) off, and a slow server
// must not read as a skewed clock.
func judgeClock(samples map[string]dateSample, cis2Host string, app []string) Result {
	ev := map[string]string{}
	for h, s := range samples {
		ev["skew."+sanitize.CleanN(h, 80)] = formatSkew(s.skew())
	}

	type finding struct {
		skew, uncertainty time.Duration
		msg               string
	}
	var fs []finding
	if cis2Host != "" {
		ref := samples[cis2Host]
		ev["reference"] = "CIS2 (" + cis2Host + ")"
		fs = append(fs, finding{-ref.skew(), ref.uncertainty(), "this machine's clock is " + aheadBehind(-ref.skew()) + " CIS2's"})
		for _, h := range app {
			d := samples[h].skew() - ref.skew()
			fs = append(fs, finding{d, samples[h].uncertainty() + ref.uncertainty(), sanitize.Clean(h) + "'s clock is " + aheadBehind(d) + " CIS2's"})
		}
	} else {
		ev["reference"] = "the application's servers (CIS2 not contacted: pass --discovery to compare with CIS2)"
		for _, h := range app {
			d := samples[h].skew()
			msg := "this machine's clock is level with " + sanitize.Clean(h) + "'s"
			if abs(d) >= resolution {
				msg = "this machine's clock and " + sanitize.Clean(h) + "'s differ by " + abs(d).Round(time.Second).String() +
					" (" + sanitize.Clean(h) + " " + aheadBehindShort(d) + ")"
			}
			fs = append(fs, finding{d, samples[h].uncertainty(), msg})
		}
	}
	certain := func(f finding) time.Duration { return max(abs(f.skew)-f.uncertainty, 0) }
	worst := slices.MaxFunc(fs, func(a, b finding) int { return cmp.Compare(certain(a), certain(b)) })
	res := Result{Status: model.Pass, Evidence: ev}
	switch a := certain(worst); {
	case a >= skewFail:
		res.Status = model.Fail
		res.Message = worst.msg + fmt.Sprintf(": %s or more out, CIS2 rejects the client assertions it signs (iat in the future or exp passed)", skewFail)
	case a >= skewWarn:
		res.Status = model.Warn
		res.Message = worst.msg + fmt.Sprintf(": %s or more out; at %s CIS2 rejects client assertions", skewWarn, skewFail)
	default:
		var parts []string
		within := fmt.Sprintf(" (within %s)", skewWarn)
		for _, f := range fs {
			parts = append(parts, f.msg)
			if abs(f.skew) >= skewWarn {
				within = fmt.Sprintf(" (within %s, allowing ±%s for answers that were slow to come)", skewWarn, f.uncertainty.Round(100*time.Millisecond))
			}
		}
		res.Message = strings.Join(parts, "; ") + within
		return res
	}
	res.Fix = "synchronise the clock with NTP (timedatectl set-ntp true, or w32tm /resync on Windows), on every server that signs client assertions"
	return res
}

// sampleOwnEndpoint asks one of the application's endpoints for its Date when no shared fetch
// of the run has talked to one (a client-secret configuration has no JWKS to fetch).
func (r *run) sampleOwnEndpoint(ctx context.Context, cis2Hosts []string) {
	for _, e := range endpoints(r.cfg) {
		if e.url == nil || slices.Contains(cis2Hosts, strings.ToLower(e.url.Hostname())) {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.raw, nil)
		if err != nil {
			continue
		}
		resp, err := noRedirects(r.client).Do(req)
		if err != nil {
			continue
		}
		_, _ = readBody(resp.Body, MaxSmallBody)
		resp.Body.Close()
		return
	}
}

// cis2Hosts are the hosts whose clock is CIS2's: the discovery document's issuer and token
// endpoint (when fetched live) and every known CIS2 environment's host.
func (r *run) cis2Hosts(ctx context.Context) []string {
	var hosts []string
	for _, e := range model.CIS2.Environments {
		hosts = append(hosts, strings.ToLower(e.Host))
	}
	if d := r.discovery(ctx); d.live {
		for _, raw := range []string{d.doc.Issuer, d.doc.TokenEndpoint, r.opts.Discovery} {
			if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
				hosts = append(hosts, strings.ToLower(u.Hostname()))
			}
		}
	}
	return hosts
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// formatSkew writes a skew to the second: "+3s", "-4m12s".
func formatSkew(d time.Duration) string {
	s := d.Round(time.Second).String()
	if d >= 0 {
		s = "+" + s
	}
	return s
}

// resolution is what two clocks compared through Date headers can be told apart by: each
// header has 1 s resolution, and a comparison of two servers adds up two such errors.
const resolution = 2 * time.Second

// aheadBehind says "3s ahead of", "4m12s behind" or "level with".
func aheadBehind(d time.Duration) string {
	if abs(d) < resolution {
		return "level with"
	}
	if d < 0 {
		return abs(d).Round(time.Second).String() + " behind"
	}
	return d.Round(time.Second).String() + " ahead of"
}

func aheadBehindShort(d time.Duration) string {
	if d < 0 {
		return "behind"
	}
	return "ahead"
}
