package sim

import (
	"fmt"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// Event is one step the provider took: a request the application (or its browser) made and
// what the provider decided, or a call the provider made to the application and what it
// answered. CIS2 is what CIS2 itself would say (its error code and text); Plain says why in
// plain words. An event holds claims and never a token, code, assertion or secret, so the
// event stream can be shown, logged and served as it is.
type Event struct {
	Seq      int            `json:"seq"`
	Time     time.Time      `json:"time"`
	Endpoint Endpoint       `json:"endpoint"`
	Method   string         `json:"method,omitempty"`
	Path     string         `json:"path,omitempty"` // without the query string
	Status   int            `json:"status,omitempty"`
	Outcome  Outcome        `json:"outcome"`
	CIS2     string         `json:"cis2,omitempty"`
	Plain    string         `json:"plain"`
	SID      string         `json:"sid,omitempty"`
	Fault    string         `json:"fault,omitempty"`
	Claims   map[string]any `json:"claims,omitempty"`
	// Finding is set when the application did something a go-live would fail on: accepted
	// a faulty ID token or a bad logout token, kept a session a logout ended.
	Finding model.Severity `json:"finding,omitempty"`
}

// Outcome is what the provider decided, or what the application's answer meant.
type Outcome string

// The outcomes.
const (
	OK      Outcome = "ok"      // served as asked
	Refused Outcome = "refused" // the provider refused the application's request, as CIS2 would
	Sent    Outcome = "sent"    // the provider called the application
	Passed  Outcome = "passed"  // the application behaved as it must
	Failed  Outcome = "failed"  // the application did not (see Finding)
	Info    Outcome = "info"
)

// maxEvents bounds the history kept in memory; a development session makes a few hundred.
const maxEvents = 5000

// eventLog keeps recent events and fans new ones out to subscribers.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	next   int
	subs   map[chan Event]struct{}
	// fails and warns count every finding ever recorded, even those the bounded history or
	// a slow subscriber no longer holds: the command's exit code comes from them.
	fails, warns int
}

func newEventLog() *eventLog { return &eventLog{subs: map[chan Event]struct{}{}} }

// add stamps and stores e, then offers it to every subscriber; a subscriber too slow to keep
// up misses events rather than stalling the provider (the history still has them).
func (l *eventLog) add(e Event) Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	e.Seq = l.next
	e.Plain = sanitize.CleanN(e.Plain, 600)
	e.CIS2 = sanitize.Clean(e.CIS2)
	switch e.Finding {
	case model.Fail:
		l.fails++
	case model.Warn:
		l.warns++
	}
	l.events = append(l.events, e)
	if len(l.events) > maxEvents {
		l.events = append([]Event(nil), l.events[len(l.events)-maxEvents/2:]...)
	}
	for ch := range l.subs {
		select {
		case ch <- e:
		default:
		}
	}
	return e
}

func (l *eventLog) since(seq int) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	return out
}

func (l *eventLog) subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if _, ok := l.subs[ch]; ok {
			delete(l.subs, ch)
			close(ch)
		}
	}
}

// record adds an event stamped with the provider's clock.
func (p *Provider) record(e Event) Event {
	e.Time = p.now()
	return p.events.add(e)
}

// Events returns the events after seq (0: all kept).
func (p *Provider) Events(seq int) []Event { return p.events.since(seq) }

// Subscribe streams new events until cancel is called.
func (p *Provider) Subscribe() (events <-chan Event, cancel func()) { return p.events.subscribe() }

// FindingCounts counts every failing and warning finding recorded since the provider started.
func (p *Provider) FindingCounts() (fails, warns int) {
	p.events.mu.Lock()
	defer p.events.mu.Unlock()
	return p.events.fails, p.events.warns
}

// Backfill is what a subscriber that has shown every event up to seq last should show on
// receiving e: e, preceded by any events it missed because it fell behind (the log drops
// events for a full subscriber rather than stall the provider; its history still has them).
// Nil when e was already shown.
func (p *Provider) Backfill(last int, e Event) []Event {
	switch {
	case e.Seq <= last:
		return nil
	case e.Seq == last+1:
		return []Event{e}
	}
	var out []Event
	for _, m := range p.events.since(last) {
		if m.Seq > e.Seq {
			break
		}
		out = append(out, m)
	}
	if len(out) == 0 || out[len(out)-1].Seq != e.Seq {
		out = append(out, e) // history already dropped it: still show it
	}
	return out
}

// TLSHandshakeFailed records a connection whose TLS handshake failed, which the listener's
// owner sees and the provider does not: almost always an application that does not trust the
// provider's certificate yet, the first thing a new set-up meets. trust says what it should
// trust (the CA file, say).
func (p *Provider) TLSHandshakeFailed(remote, reason, trust string) {
	// Clients word a refused certificate many ways (an alert, a bad record MAC under TLS 1.3,
	// a bare close), so the advice goes with every failure.
	plain := fmt.Sprintf("a TLS handshake from %s failed (%s): most often the caller does not trust the sim's certificate: make it trust %s "+
		"(NODE_EXTRA_CA_CERTS for Node, REQUESTS_CA_BUNDLE for Python requests, SSL_CERT_FILE for many others, a truststore for Java, OIDCCABundlePath for mod_auth_openidc)",
		sanitize.Clean(remote), sanitize.Clean(reason), trust)
	p.record(Event{Endpoint: TLS, Outcome: Failed, Plain: plain})
}
