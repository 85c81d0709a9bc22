package ui

import (
	"bytes"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/cis2-golive/cis2-golive/model"
)

// filled is a complete configuration for screens that show one.
func filled() *model.Config {
	return &model.Config{
		Environment:                 model.Production,
		Organisation:                "Acme Health Ltd",
		Product:                     "Acme EPR",
		ContactEmail:                "ops@acme-health.co.uk",
		RedirectURIs:                []string{"https://epr.acme-health.co.uk/cb", "https://admin.acme-health.co.uk/cb"},
		BackchannelLogoutURI:        "https://epr.acme-health.co.uk/logout",
		TokenEndpointAuthMethod:     model.PrivateKeyJWT,
		JWKSURI:                     "https://epr.acme-health.co.uk/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
	}
}

// render is the view as a terminal with the ANSI (16 colour) profile would get it: a fixed
// profile, so the golden does not depend on the machine running the test.
func render(t *testing.T, h *harness) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI}
	if _, err := w.WriteString(h.r.View().Content); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestScreenGoldens renders every screen at 80x24 (go test ./ui -update refreshes them) and
// checks each fits: at most 24 lines of at most 80 columns.
func TestScreenGoldens(t *testing.T) {
	for s := stateWelcome; s < numStates; s++ {
		t.Run(s.String(), func(t *testing.T) {
			h := newHarness(t, Options{Config: filled()})
			if s != stateWelcome {
				h.send(gotoMsg{to: s})
			}
			fits(t, h.view(), 80, 24)
			golden.RequireEqual(t, render(t, h))
		})
	}
}

// TestEmptyScreenGoldens shows the placeholders an empty answer gets: each reads as an
// example ("e.g. …"), not as a value, even without colour.
func TestEmptyScreenGoldens(t *testing.T) {
	for _, s := range []state{stateOrg, stateRedirects, stateLogout, statePKJ} {
		t.Run(s.String(), func(t *testing.T) {
			h := newHarness(t, Options{Config: &model.Config{TokenEndpointAuthMethod: model.PrivateKeyJWT}})
			h.send(gotoMsg{to: s})
			fits(t, h.view(), 80, 24)
			golden.RequireEqual(t, render(t, h))
		})
	}
}

func TestScreensFitAndResize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 40}, {60, 20}} {
		for s := stateWelcome; s < numStates; s++ {
			h := newHarness(t, Options{Config: filled(), INT: filled()})
			h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			if s != stateWelcome {
				h.send(gotoMsg{to: s})
			}
			fits(t, h.view(), size[0], size[1])
		}
	}
}

func fits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("%d lines, want ≤ %d:\n%s", len(lines), h, view)
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line wider than %d: %q", w, l)
		}
	}
}
