package cli

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// KeysInspectOptions are the arguments and flags of `keys inspect`.
type KeysInspectOptions struct {
	IO     *IOStreams
	Target string // FILE or https URL
	JWKS   string // FILE or https URL, for a private key
	Format string // text or json
	CACert string
}

func newCmdKeysInspect(ios *IOStreams) *cobra.Command {
	opts := &KeysInspectOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "inspect FILE|URL",
		Short: "Show what a PEM key, JWK or JWKS holds, and whether it is safe to publish",
		Long: "inspect reads a PEM private or public key, a JWK, or a JWK Set (a file or an https URL)\n" +
			"and shows each key's type, size, kid, RFC 7638 thumbprint, alg and use, and whether\n" +
			"private key material is present. A JWKS is also checked as CIS2 would read it: public\n" +
			"keys only, a unique kid on every key, use sig, alg consistent with the key.\n\n" +
			"A single key is checked against CIS2: RSA of 2048 bits or more (RS256 or RS512).\n\n" +
			"For a private key, --jwks says whether its public half is in that JWKS (by thumbprint),\n" +
			"and checks that JWKS is safe to publish, as inspecting it directly would.\n\n" +
			"Exit codes: 0 nothing wrong, 1 private material in a JWKS (--jwks too), a key CIS2\n" +
			"cannot use, another failed rule, or the private key's public half missing from --jwks,\n" +
			"2 usage error or unreadable input.",
		Example: "  cis2-golive keys inspect https://rp.example.org/.well-known/jwks.json\n" +
			"  cis2-golive keys inspect keys/private-key-AbCdEfGh.pem --jwks https://rp.example.org/jwks.json\n" +
			"  cis2-golive keys inspect jwks.json --format json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if opts.Format != "text" && opts.Format != "json" {
				return usageError(fmt.Errorf("--format %q: use text or json", opts.Format))
			}
			return runKeysInspect(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.JWKS, "jwks", "", "the JWKS (file or https URL) that should hold the private key's public half")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text or json")
	cmd.Flags().StringVar(&opts.CACert, "ca-cert", "", "trust this PEM CA certificate for https URLs (private CAs; CIS2 itself needs a public root)")
	return cmd
}

// inspection is what inspect found; it is also the --format json shape.
type inspection struct {
	Source          string        `json:"source"`
	Kind            string        `json:"kind"` // jwks, jwk, private-key, public-key
	PrivateMaterial bool          `json:"private_material"`
	Alert           string        `json:"alert,omitempty"`
	Keys            []keyView     `json:"keys"`
	Problems        []problemView `json:"problems,omitempty"`
	InJWKS          *jwksMatch    `json:"in_jwks,omitempty"`
	Failed          bool          `json:"failed"`
}

type keyView struct {
	Index          int      `json:"index"`
	KID            string   `json:"kid,omitempty"`
	Kty            string   `json:"kty"`
	Crv            string   `json:"crv,omitempty"`
	Bits           int      `json:"bits,omitempty"`
	Alg            string   `json:"alg,omitempty"`
	Use            string   `json:"use,omitempty"`
	KeyOps         []string `json:"key_ops,omitempty"`
	Thumbprint     string   `json:"thumbprint,omitempty"`
	PrivateMembers []string `json:"private_members,omitempty"`
	Error          string   `json:"error,omitempty"`
}

type problemView struct {
	Rule     string         `json:"rule"`
	KID      string         `json:"kid,omitempty"`
	Severity model.Severity `json:"severity"`
	Message  string         `json:"message"`
	Fix      string         `json:"fix"`
}

type jwksMatch struct {
	Source   string        `json:"source"`
	Found    bool          `json:"found"`
	KID      string        `json:"kid,omitempty"`
	Problems []problemView `json:"problems,omitempty"` // keys.PublicOnly findings for that JWKS
}

func runKeysInspect(ctx context.Context, opts *KeysInspectOptions) error {
	var fetcher *keysFetcher
	load := func(src string) ([]byte, error) {
		if !isURL(src) {
			return readSmallFile(src)
		}
		if fetcher == nil {
			var err error
			if fetcher, err = newKeysFetcher(opts.CACert); err != nil {
				return nil, err
			}
		}
		if opts.IO.IsStderrTTY() { // a fetch can take up to the timeout: say what is happening
			fmt.Fprintf(opts.IO.ErrOut, "Fetching %s…\n", sanitize.Clean(src))
		}
		return fetcher.get(ctx, src)
	}
	data, err := load(opts.Target)
	if err != nil {
		return asUsage(err)
	}
	ins := &inspection{Source: opts.Target}
	var private crypto.PublicKey // public half of a private key, to look up in --jwks
	switch {
	case bytes.Contains(data, []byte("-----BEGIN ")):
		private, err = inspectPEM(ins, opts.Target, data)
	default:
		private, err = inspectJWK(ins, data)
	}
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", opts.Target, err))
	}
	if opts.JWKS != "" {
		if private == nil {
			return usageError(errors.New("--jwks applies to a private key; to check a JWKS, inspect it directly"))
		}
		if err := matchJWKS(ins, private, opts.JWKS, load); err != nil {
			return err
		}
	}
	if err := writeInspection(opts.IO, opts.Format, ins); err != nil {
		return err
	}
	if ins.Failed {
		return failedError
	}
	return nil
}

// asUsage marks input errors as exit 2 but keeps cancellation recognisable (exit 130).
func asUsage(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) || errors.Is(err, context.Canceled) {
		return err
	}
	return usageError(err)
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, keys.MaxSetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > keys.MaxSetBytes {
		return nil, fmt.Errorf("read %s: larger than 1 MiB; a key or JWKS is a few KiB", path)
	}
	return data, nil
}

// inspectPEM handles a PEM private or public key. A private key file goes through
// keys.LoadPrivateKey, so its permissions are checked like everywhere else.
func inspectPEM(ins *inspection, target string, data []byte) (crypto.PublicKey, error) {
	if !bytes.Contains(data, []byte("PRIVATE KEY-----")) {
		pub, err := keys.ParsePublicKeyPEM(data)
		if err != nil {
			return nil, err
		}
		ins.Kind = "public-key"
		ins.Keys = []keyView{publicKeyView(pub)}
		ins.addKeyProblems(pub)
		return nil, nil
	}
	var signer crypto.Signer
	var err error
	if isURL(target) {
		signer, err = keys.ParsePrivateKeyPEM(data)
		ins.Failed = true
		ins.Alert = "PRIVATE KEY SERVED OVER HTTPS: anyone who fetches " + target + " can sign as you. Remove it now and replace the key."
	} else {
		signer, err = keys.LoadPrivateKey(target)
	}
	if err != nil {
		return nil, err
	}
	ins.Kind = "private-key"
	ins.PrivateMaterial = true
	ins.Keys = []keyView{publicKeyView(signer.Public())}
	ins.addKeyProblems(signer.Public())
	return signer.Public(), nil
}

func publicKeyView(pub crypto.PublicKey) keyView {
	v := keyView{}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		v.Kty, v.Bits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		v.Kty, v.Crv, v.Bits = "EC", k.Curve.Params().Name, k.Curve.Params().BitSize
	case ed25519.PublicKey:
		v.Kty, v.Crv, v.Bits = "OKP", "Ed25519", 256
	default:
		v.Kty = fmt.Sprintf("%T", pub)
	}
	tp, err := keys.Thumbprint(pub)
	if err != nil {
		v.Error = err.Error()
	}
	v.Thumbprint = tp
	return v
}

// inspectJWK handles a JWK Set or a single JWK.
func inspectJWK(ins *inspection, data []byte) (crypto.PublicKey, error) {
	set, err := keys.ParseSet(data)
	if err != nil {
		return nil, err
	}
	for _, k := range set.Keys {
		v := keyView{Index: k.Index, KID: k.KID, Kty: k.Kty, Crv: k.Crv, Bits: k.Bits, Alg: k.Alg, Use: k.Use,
			KeyOps: k.KeyOps, Thumbprint: k.Thumbprint, PrivateMembers: k.PrivateMembers}
		if k.Err != nil {
			v.Error = k.Err.Error()
		}
		ins.Keys = append(ins.Keys, v)
		ins.PrivateMaterial = ins.PrivateMaterial || k.HasPrivate()
	}
	if set.Single && ins.PrivateMaterial {
		// A private JWK is a private key in JSON form: report it like a PEM key, not as a
		// JWKS that leaks.
		ins.Kind = "private-key"
		ins.Alert = fmt.Sprintf("PRIVATE KEY (JWK with %s): keep it secret; publish only its public half, in a JWK Set.",
			strings.Join(set.Keys[0].PrivateMembers, ", "))
		ins.addKeyProblems(set.Keys[0].Public)
		return set.Keys[0].Public, nil
	}
	ins.Kind = "jwks"
	if set.Single {
		ins.Kind = "jwk"
	}
	for _, p := range append(keys.PublicOnly(set), keys.Lint(set)...) {
		ins.Problems = append(ins.Problems, problemView{p.Rule, p.KID, p.Severity, p.Message, p.Fix})
		ins.Failed = ins.Failed || p.Severity == model.Fail
	}
	if set.Single {
		ins.Problems = append(ins.Problems, problemView{"not-a-set", "", model.Warn,
			"this is a single JWK; a JWKS URI must serve a JWK Set", `wrap it: {"keys": [ ...this key... ]}`})
	}
	if ins.PrivateMaterial {
		ins.Alert = leakAlert(set, "THIS JWKS")
	}
	return nil, nil
}

// leakAlert is the first-line alarm for a JWKS that holds private members ("" if none).
func leakAlert(set *keys.Set, where string) string {
	var leaks []string
	for _, k := range set.Keys {
		if k.HasPrivate() {
			leaks = append(leaks, fmt.Sprintf("%s (%s)", k.Label(), strings.Join(k.PrivateMembers, ", ")))
		}
	}
	if len(leaks) == 0 {
		return ""
	}
	return "PRIVATE KEY MATERIAL IN " + where + ": " + strings.Join(leaks, "; ") +
		". Never publish it: anyone who fetches it can sign as you."
}

// addAlert puts a new alarm first: the JWKS leak matters to everyone who fetches it.
func (ins *inspection) addAlert(alert string) {
	if ins.Alert != "" {
		alert += "\n" + ins.Alert
	}
	ins.Alert = alert
}

// addKeyProblems checks one key against what CIS2 can use: its token endpoint verifies client
// assertions with RS256 or RS512 only (model.CIS2), so any other key type cannot sign them, and
// an RSA key needs at least keys.MinRSABits.
func (ins *inspection) addKeyProblems(pub crypto.PublicKey) {
	algs := strings.Join(model.CIS2.TokenEndpointSigningAlgs, " or ")
	add := func(rule, msg, fix string) {
		ins.Problems = append(ins.Problems, problemView{Rule: rule, Severity: model.Fail, Message: msg, Fix: fix})
		ins.Failed = true
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < keys.MinRSABits {
			add(keys.RuleRSATooSmall, fmt.Sprintf("RSA %d bits; at least %d are required", bits, keys.MinRSABits),
				"create a 2048-bit or larger key: cis2-golive keys new")
		}
	case nil:
	default:
		v := publicKeyView(pub)
		add("cis2-alg", fmt.Sprintf("CIS2 accepts only %s (RSA) for client assertions at its token endpoint; this %s key cannot sign them",
			algs, strings.TrimSpace(v.Kty+" "+v.Crv)), "create an RSA key: cis2-golive keys new")
	}
}

// matchJWKS looks for the private key's public half in a JWKS, by thumbprint: the kid is
// only a label, the thumbprint is the key.
func matchJWKS(ins *inspection, pub crypto.PublicKey, src string, load func(string) ([]byte, error)) error {
	data, err := load(src)
	if err != nil {
		return asUsage(err)
	}
	set, err := keys.ParseSet(data)
	if err != nil {
		return usageError(fmt.Errorf("--jwks %s: %w", src, err))
	}
	tp, err := keys.Thumbprint(pub)
	if err != nil {
		return usageError(err)
	}
	// The JWKS a key should be in gets the same publish-safety analysis as `keys inspect JWKS`:
	// a private key next to the one being matched is the worst finding of the run.
	m := &jwksMatch{Source: src}
	for _, p := range keys.PublicOnly(set) {
		m.Problems = append(m.Problems, problemView{p.Rule, p.KID, p.Severity, p.Message, p.Fix})
		ins.Failed = ins.Failed || p.Severity == model.Fail
	}
	if alert := leakAlert(set, "THE JWKS "+src); alert != "" {
		ins.addAlert(alert)
	}
	if k, ok := set.ByThumbprint(tp); ok {
		m.Found, m.KID = true, k.KID
		if m.KID == "" {
			m.KID = k.Label()
		}
	} else {
		ins.Failed = true
	}
	ins.InJWKS = m
	return nil
}

var (
	alertStyle = lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)
	dimStyle   = lipgloss.NewStyle().Faint(true)
)

func writeInspection(ios *IOStreams, format string, ins *inspection) error {
	if format == "json" {
		if ins.Alert != "" {
			// stdout stays pure JSON; the alarm still comes first on the terminal.
			writeAlert(ios.ColorErr(), ins.Alert)
		}
		return report.WriteJSON(ios.Out, ins)
	}
	w := ios.ColorOut()
	if ins.Alert != "" {
		writeAlert(w, ins.Alert)
	}
	switch ins.Kind {
	case "jwks":
		io.WriteString(w, report.Hang("", fmt.Sprintf("JWK Set with %s: %s", report.Plural(len(ins.Keys), "key", "keys"), ins.Source)))
	case "jwk":
		io.WriteString(w, report.Hang("", "JWK (a single key, not a set): "+ins.Source))
	case "public-key":
		io.WriteString(w, report.Hang("", "Public key (PEM): "+ins.Source))
	case "private-key":
		io.WriteString(w, report.Hang("", "Private key: "+ins.Source))
		fmt.Fprintln(w, "  SECRET: it never leaves the server that signs client assertions.")
	}
	for _, k := range ins.Keys {
		writeKeyView(w, ins.Kind, k)
	}
	if m := ins.InJWKS; m != nil {
		if m.Found {
			io.WriteString(w, "\n"+report.Hang("", fmt.Sprintf("Its public half is in %s, as kid %s.", m.Source, m.KID)))
		} else {
			io.WriteString(w, "\n"+report.Hang(alertStyle.Render("✗")+" ",
				fmt.Sprintf("its public half is NOT in %s: CIS2 cannot verify assertions signed with this key.", m.Source)))
			io.WriteString(w, report.Hang("  fix: ", "publish the jwks.json written with this key (or `keys rotate` to add it)."))
		}
		if len(m.Problems) > 0 {
			writeProblems(w, m.Problems)
		}
	} else if ins.Kind == "private-key" {
		// Styled one line at a time: lipgloss pads every line of a block to the widest.
		fmt.Fprintln(w)
		fmt.Fprintln(w, dimStyle.Render("To check it is published: add --jwks https://YOUR-JWKS-URI"))
	}
	if ins.Kind == "jwks" || ins.Kind == "jwk" || len(ins.Problems) > 0 {
		writeProblems(w, ins.Problems)
	}
	return nil
}

func writeKeyView(w io.Writer, kind string, k keyView) {
	fmt.Fprintln(w)
	if kind == "jwks" {
		label := k.KID
		if label == "" {
			label = "(no kid)"
		}
		fmt.Fprintf(w, "key[%d]  kid %s\n", k.Index, label)
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
	if kind == "jwks" || kind == "jwk" || k.Alg != "" || k.Use != "" {
		fmt.Fprintf(w, "  alg / use   %s / %s\n", orDash(k.Alg), orDash(k.Use))
	}
	if len(k.KeyOps) > 0 {
		fmt.Fprintf(w, "  key_ops     %s\n", strings.Join(k.KeyOps, ", "))
	}
	if kind == "jwks" || kind == "jwk" {
		private := "none"
		if len(k.PrivateMembers) > 0 {
			private = alertStyle.Render("YES: " + strings.Join(k.PrivateMembers, ", "))
		}
		fmt.Fprintf(w, "  private     %s\n", private)
	}
	if k.Error != "" {
		fmt.Fprintf(w, "  error       %s\n", k.Error)
	}
}

func writeProblems(w io.Writer, ps []problemView) {
	fmt.Fprintln(w)
	if len(ps) == 0 {
		io.WriteString(w, report.Hang("✓ ", "No problems: public keys only, every key has a unique kid and is usable for signatures."))
		return
	}
	for _, p := range ps {
		mark := "!"
		if p.Severity == model.Fail {
			mark = alertStyle.Render("✗")
		}
		io.WriteString(w, report.HangIndent(mark+" ", "  ", fmt.Sprintf("%s [%s] %s", p.Severity, p.Rule, p.Message)))
		io.WriteString(w, report.Hang("  fix: ", p.Fix))
	}
}

// writeAlert prints an alarm wrapped to 80 columns, styled one line at a time: lipgloss pads
// every line of a multi-line block to the widest, which would leave trailing spaces.
func writeAlert(w io.Writer, alert string) {
	for _, para := range strings.Split(alert, "\n") {
		for _, line := range report.WrapWords(para, report.TextWidth) {
			fmt.Fprintln(w, alertStyle.Render(line))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
