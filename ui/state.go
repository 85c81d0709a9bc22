package ui

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
