package ui

import (
	"fmt"
	"slices"
)

// state is the screen the wizard shows. The order is the order of the walk-through.
type state int

const (
	stateWelcome state = iota
	stateOrg
	stateRedirects
	stateLogout
	stateSecurity
	statePKJ
	stateUserinfo
	stateReview
	stateChecks
	stateChecklist
	numStates
)

var stateNames = [numStates]string{
	"welcome", "organisation", "redirect-uris", "backchannel-logout", "security",
	"private-key-jwt", "userinfo", "review", "checks", "checklist",
}

var stateTitles = [numStates]string{
	"Welcome", "Organisation and client", "Redirect URIs", "Back-channel logout",
	"Security pattern", "Private key JWT", "Signed userinfo", "Review", "Live checks",
	"Go-live checklist",
}

// String is the state's stable name, as saved in the draft.
func (s state) String() string {
	if s < 0 || s >= numStates {
		return "unknown"
	}
	return stateNames[s]
}

// stepTitle is the step's title in a run: the checks step says whether live checks run.
func stepTitle(st state, s *session) string {
	if st == stateChecks && s.opts.Plan == nil {
		return "Offline checks"
	}
	return st.Title()
}

// visibleSteps lists the steps of this walk-through after the welcome: private key JWT only
// when it is the chosen pattern.
func visibleSteps(s *session) []state {
	var out []state
	for st := stateOrg; st < numStates; st++ {
		if st == statePKJ && s.cfg().TokenEndpointAuthMethod.IsSecret() {
			continue
		}
		out = append(out, st)
	}
	return out
}

// stepLine is "Step 3 of 9 · Back-channel logout", as both wizards head a step.
func stepLine(st state, s *session) string {
	v := visibleSteps(s)
	return fmt.Sprintf("Step %d of %d · %s", slices.Index(v, st)+1, len(v), stepTitle(st, s))
}

// Title is what the header shows.
func (s state) Title() string {
	if s < 0 || s >= numStates {
		return ""
	}
	return stateTitles[s]
}

func parseState(name string) (state, bool) {
	for i, n := range stateNames {
		if n == name {
			return state(i), true
		}
	}
	return stateWelcome, false
}
