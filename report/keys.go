package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// WriteKeysInspection renders what `keys inspect` found: as text on w, or as JSON on w with
// any alert also on errOut, so stdout stays pure JSON while the alarm still comes first on
// the terminal.
func WriteKeysInspection(w, errOut io.Writer, format string, ins *keys.Inspection) error {
	if format == "json" {
		if ins.Alert != "" {
			writeAlert(errOut, ins.Alert)
		}
		return WriteJSON(w, ins)
	}
	if ins.Alert != "" {
		writeAlert(w, ins.Alert)
	}
	switch ins.Kind {
	case keys.KindJWKS:
		io.WriteString(w, Hang("", fmt.Sprintf("JWK Set with %s: %s", Plural(len(ins.Keys), "key", "keys"), ins.Source)))
	case keys.KindJWK:
		io.WriteString(w, Hang("", "JWK (a single key, not a set): "+ins.Source))
	case keys.KindPublicKey:
		io.WriteString(w, Hang("", "Public key (PEM): "+ins.Source))
	case keys.KindPrivateKey:
		io.WriteString(w, Hang("", "Private key: "+ins.Source))
		fmt.Fprintln(w, "  SECRET: it never leaves the server that signs client assertions.")
	}
	for _, k := range ins.Keys {
		writeKey(w, ins.Kind, k)
	}
	if m := ins.InJWKS; m != nil {
		if m.Found {
			io.WriteString(w, "\n"+Hang("", fmt.Sprintf("Its public half is in %s, as kid %s.", m.Source, m.KID)))
		} else {
			io.WriteString(w, "\n"+Hang(styleFail.Render("✗")+" ",
				fmt.Sprintf("its public half is NOT in %s: CIS2 cannot verify assertions signed with this key.", m.Source)))
			io.WriteString(w, Hang("  fix: ", "publish the jwks.json written with this key (or `keys rotate` to add it)."))
		}
		if len(m.Problems) > 0 {
			writeKeyProblems(w, m.Problems)
		}
	} else if ins.Kind == keys.KindPrivateKey {
		// Styled one line at a time: lipgloss pads every line of a block to the widest.
		fmt.Fprintln(w)
		fmt.Fprintln(w, styleFaint.Render("To check it is published: add --jwks https://YOUR-JWKS-URI"))
	}
	if ins.Kind == keys.KindJWKS || ins.Kind == keys.KindJWK || len(ins.Problems) > 0 {
		writeKeyProblems(w, ins.Problems)
	}
	return nil
}

func writeKey(w io.Writer, kind keys.Kind, k keys.Key) {
	set := kind == keys.KindJWKS || kind == keys.KindJWK
	fmt.Fprintln(w)
	if kind == keys.KindJWKS {
		fmt.Fprintf(w, "key[%d]  kid %s\n", k.Index, dashFor(k.KID, "(no kid)"))
	} else if k.KID != "" {
		fmt.Fprintf(w, "  kid         %s\n", k.KID)
	}
	typ := k.Kty
	if k.Crv != "" {
		typ += " " + k.Crv
	}
	if k.Bits > 0 {
		typ += fmt.Sprintf(", %d bits", k.Bits)
	}
	fmt.Fprintf(w, "  type        %s\n", typ)
	if k.Thumbprint != "" {
		fmt.Fprintf(w, "  thumbprint  %s  (RFC 7638, SHA-256)\n", k.Thumbprint)
	}
	if set || k.Alg != "" || k.Use != "" {
		fmt.Fprintf(w, "  alg / use   %s / %s\n", dashFor(k.Alg, "-"), dashFor(k.Use, "-"))
	}
	if len(k.KeyOps) > 0 {
		fmt.Fprintf(w, "  key_ops     %s\n", strings.Join(k.KeyOps, ", "))
	}
	if certs := k.Certs(); len(certs) > 0 {
		fmt.Fprintf(w, "  x5c         %s, first %s, expires %s\n", Plural(len(certs), "certificate", "certificates"),
			dashFor(certs[0].Subject, "(no subject)"), certs[0].NotAfter.UTC().Format(DateLayout))
	}
	if set {
		private := "none"
		if len(k.PrivateMembers) > 0 {
			private = styleFail.Render("YES: " + strings.Join(k.PrivateMembers, ", "))
		}
		fmt.Fprintf(w, "  private     %s\n", private)
	}
	if e := k.ErrorText(); e != "" {
		fmt.Fprintf(w, "  error       %s\n", e)
	}
}

func writeKeyProblems(w io.Writer, ps []keys.Problem) {
	fmt.Fprintln(w)
	if len(ps) == 0 {
		io.WriteString(w, Hang("✓ ", "No problems: public keys only, every key has a unique kid and is usable for signatures."))
		return
	}
	for _, p := range ps {
		mark := "!"
		if p.Severity == model.Fail {
			mark = styleFail.Render("✗")
		}
		io.WriteString(w, HangIndent(mark+" ", "  ", fmt.Sprintf("%s [%s] %s", p.Severity, p.Rule, p.Message)))
		io.WriteString(w, Hang("  fix: ", p.Fix))
	}
}

// writeAlert prints an alarm wrapped to 80 columns, styled one line at a time: lipgloss pads
// every line of a multi-line block to the widest, which would leave trailing spaces.
func writeAlert(w io.Writer, alert string) {
	for _, para := range strings.Split(alert, "\n") {
		for _, line := range WrapWords(para, TextWidth) {
			fmt.Fprintln(w, styleFail.Render(line))
		}
	}
}

func dashFor(s, dash string) string {
	if s == "" {
		return dash
	}
	return s
}
