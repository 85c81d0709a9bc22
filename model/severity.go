package model

// Severity is how a rule or check judged something. Offline findings, key problems and live
// check results share this one type, so a verdict passes between packages without conversion.
type Severity string

// Warn is worth a look but does not block go-live; Fail would cost a redeploy. Pass and Skip
// are for checks: verified, or not run (with the reason in the result's message).
const (
	Pass Severity = "pass"
	Warn Severity = "warn"
	Fail Severity = "fail"
	Skip Severity = "skip"
)
