package sim

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The admin API lets scripts and CI drive the provider on its own listener:
//
//	GET  /_sim/sessions           the provider's sessions (JSON)
//	POST /_sim/logout?sid=…       back-channel logout (negative tokens first; negative=0 skips them)
//	POST /_sim/fault?next=…       queue a fault for the next sign-in (next=none clears the queue)
//	GET  /_sim/fault              the queue, and every fault with what accepting it means
//	POST /_sim/signin?uid=…       sign in through the application with the provider's browser
//	GET  /_sim/events[?since=N][&follow=1]  events as JSON lines
//
// Only loopback peers may use it unless AdminFromAnywhere, and state-changing calls refuse
// cross-origin browser requests, so a web page cannot inject faults or log users out.
func (p *Provider) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sim/sessions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, p.Sessions())
	})
	mux.HandleFunc("POST /_sim/logout", p.adminLogout)
	mux.HandleFunc("GET /_sim/fault", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"queued": nonNil(p.QueuedFaults()), "faults": Faults})
	})
	mux.HandleFunc("POST /_sim/fault", p.adminFault)
	mux.HandleFunc("POST /_sim/signin", p.adminSignIn)
	mux.HandleFunc("GET /_sim/events", p.adminEvents)
	cop := http.NewCrossOriginProtection()
	guarded := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.opts.AdminFromAnywhere && !loopbackPeer(r.RemoteAddr) {
			adminError(w, http.StatusForbidden, "the admin API answers loopback clients only")
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

func loopbackPeer(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Sessions lists the provider's sessions, newest first.
func (p *Provider) Sessions() []Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Session, 0, len(p.sessions))
	for _, s := range p.sessions {
		c := *s
		c.jar, c.user, c.cookie = nil, nil, ""
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Session) int { return b.Started.Compare(a.Started) })
	return out
}

// Unjudged lists the sessions whose last sign-in carried a fault the provider saw no verdict
// on: the application never used that sign-in's access token and the sim's browser did not
// make the sign-in, so whether it refused the ID token is unknown.
func (p *Provider) Unjudged() []Session {
	var out []Session
	for _, s := range p.Sessions() {
		if s.Fault != "" && !s.judged {
			out = append(out, s)
		}
	}
	return out
}

func (p *Provider) adminLogout(w http.ResponseWriter, r *http.Request) {
	sid := r.URL.Query().Get("sid")
	if sid == "" {
		adminError(w, http.StatusBadRequest, "sid is missing: POST /_sim/logout?sid=… (see GET /_sim/sessions)")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	res, err := p.Logout(ctx, sid, LogoutOptions{Negative: r.URL.Query().Get("negative") != "0"})
	if errors.Is(err, ErrUnknownSession) {
		adminError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (p *Provider) adminFault(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	switch strings.ToLower(next) {
	case "", "none":
		p.ClearFaults()
	default:
		f, err := ParseFault(next)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		p.QueueFault(f)
	}
	writeJSON(w, http.StatusOK, map[string]any{"queued": nonNil(p.QueuedFaults())})
}

func (p *Provider) adminSignIn(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	res, err := p.BrowserSignIn(ctx, r.URL.Query().Get("uid"))
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// adminEvents writes events as JSON lines; with follow=1 it keeps the response open and
// writes each new event as it happens.
func (p *Provider) adminEvents(w http.ResponseWriter, r *http.Request) {
	since, _ := strconv.Atoi(r.URL.Query().Get("since"))
	follow := r.URL.Query().Get("follow") == "1"
	var ch <-chan Event
	if follow {
		var cancel func()
		ch, cancel = p.Subscribe()
		defer cancel()
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	last := since
	for _, e := range p.Events(since) {
		enc.Encode(e)
		last = e.Seq
	}
	if !follow {
		return
	}
	rc := http.NewResponseController(w)
	rc.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			for _, m := range p.Backfill(last, e) {
				if enc.Encode(m) != nil {
					return
				}
				last = m.Seq
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}
