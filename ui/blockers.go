package ui

import (
	"fmt"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// blocker is one reason the files should not go to NHS yet: short goes in the submission and
// the exit message, why says what it would mean.
type blocker struct{ short, why string }

// writeBlockers is the wizard's one rule for "ready to send": the same as the `submission`
// command's (a failed check, a configuration not for production), plus live checks that did
// not run or finish, because in the wizard they are the only evidence. results is nil while
// the checks are unfinished; live says whether the wizard has live checks at all.
func writeBlockers(cfg *model.Config, results []checks.Result, live bool) []blocker {
	var bs []blocker
	if env := cfg.EffectiveEnvironment(); env != model.Production {
		bs = append(bs, blocker{fmt.Sprintf("the configuration is for %s, not production", env),
			"NHS would deploy settings meant for another environment"})
	}
	switch {
	case results == nil:
		bs = append(bs, blocker{"the checks have not finished", "nothing has confirmed the configuration works"})
	default:
		if n := checks.Summarise(results).Fail; n > 0 {
			bs = append(bs, blocker{report.Plural(n, "check failed", "checks failed"),
				"NHS would deploy a configuration that does not work"})
		}
		if !live {
			bs = append(bs, blocker{"the live checks did not run", "nothing has tested your endpoints"})
		}
	}
	return bs
}

// writeAnywayQuestion asks plainly, one sentence per reason: "2 checks failed: NHS would
// deploy a configuration that does not work. Write the files anyway?"
func writeAnywayQuestion(bs []blocker) string {
	var b strings.Builder
	for _, x := range bs {
		b.WriteString(capitalise(x.short) + ": " + x.why + ". ")
	}
	return b.String() + "Write the files anyway?"
}

func shorts(bs []blocker) []string {
	out := make([]string, len(bs))
	for i, x := range bs {
		out[i] = x.short
	}
	return out
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
