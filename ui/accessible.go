package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// RunAccessible asks the same questions with huh's accessible prompts: plain questions, one
// per line, no redraws, for screen readers and dumb terminals. Validation is the same as the
// full-screen wizard's; the check results are printed as lines.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (*Result, error) {
	r := NewRoot(opts)
	// Each huh prompt reads through its own buffer; a byte-at-a-time reader stops one prompt
	// from swallowing the answers meant for the next when input is piped.
	in = byteReader{in}
	// Plain text: a screen reader has no use for colour escapes.
	out = &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY}
	c := r.c
	ask := func(fields ...huh.Field) error {
		return huh.NewForm(huh.NewGroup(fields...)).WithAccessible(true).WithInput(in).WithOutput(out).RunWithContext(ctx)
	}
	cfg := c.cfg
	uris := strings.Join(cfg.RedirectURIs, "\n")
	env := cfg.EffectiveEnvironment()
	steps := []func() error{
		func() error {
			return ask(huh.NewInput().Title("Organisation").Value(&cfg.Organisation).Validate(required("the organisation")),
				huh.NewInput().Title("Product").Value(&cfg.Product).Validate(required("the product name")),
				huh.NewInput().Title("Contact email").Value(&cfg.ContactEmail).
					Validate(fieldCheck(c, "contact_email", func(c *model.Config, v string) { c.ContactEmail = v })),
				huh.NewInput().Title("Client id (optional)").Value(&cfg.ClientID))
		},
		func() error {
			err := ask(huh.NewText().Title("Redirect URIs, one per line").Value(&uris).Validate(func(v string) error {
				list := nonEmptyLines(v)
				if len(list) == 0 {
					return errors.New("add at least one redirect URI")
				}
				for i, u := range list {
					if err := model.FirstFail(model.ValidateURI(fmt.Sprintf("redirect URI %d", i+1), u, model.RedirectURI, env)); err != nil {
						return fmt.Errorf("redirect URI %d: %w", i+1, err)
					}
				}
				return nil
			}))
			cfg.RedirectURIs = nonEmptyLines(uris)
			return err
		},
		func() error {
			return ask(huh.NewInput().Title("Back-channel logout URI").Value(&cfg.BackchannelLogoutURI).
				Validate(uriCheck(c, "backchannel_logout_uri", "the back-channel logout URI", model.LogoutURI)))
		},
		func() error {
			if cfg.TokenEndpointAuthMethod == "" {
				cfg.TokenEndpointAuthMethod = model.PrivateKeyJWT
			}
			return ask(huh.NewSelect[model.AuthMethod]().Title("Security pattern").
				Options(huh.NewOption("Private key JWT (recommended by NHS)", model.PrivateKeyJWT),
					huh.NewOption("Client secret", model.ClientSecretBasic)).Value(&cfg.TokenEndpointAuthMethod))
		},
		func() error {
			if !cfg.UsesPrivateKeyJWT() {
				cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg = "", ""
				return nil
			}
			if cfg.TokenEndpointAuthSigningAlg == "" {
				cfg.TokenEndpointAuthSigningAlg = model.CIS2.TokenEndpointSigningAlgs[0]
			}
			return ask(huh.NewInput().Title("JWKS URI").Value(&cfg.JWKSURI).
				Validate(uriCheck(c, "jwks_uri", "the JWKS URI", model.JWKSURI)),
				huh.NewSelect[string]().Title("Token endpoint signing algorithm").
					Options(huh.NewOptions(model.CIS2.TokenEndpointSigningAlgs...)...).Value(&cfg.TokenEndpointAuthSigningAlg),
				huh.NewInput().Title("Private key file path (optional; never the key itself)").Value(&c.keyPath).Validate(keyPathCheck))
		},
		func() error {
			alg := cfg.UserinfoSignedResponseAlg
			if alg == "" {
				alg = "none"
			}
			err := ask(huh.NewSelect[string]().Title("Signed userinfo algorithm (none for unsigned)").
				Options(huh.NewOptions(append([]string{"none"}, model.CIS2.UserinfoSigningAlgs...)...)...).Value(&alg))
			cfg.UserinfoSignedResponseAlg = strings.TrimPrefix(alg, "none")
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, accessibleErr(err)
		}
		r.started = true
		if cmd := r.autosave(); cmd != nil {
			if msg, ok := cmd().(draftSavedMsg); ok && msg.err != nil {
				fmt.Fprintln(out, "draft not saved:", msg.err)
			}
		}
	}

	fmt.Fprintln(out, "\nRunning checks…")
	c.results = checks.Run(ctx, opts.plan(cfg, c.keyPath), opts.CheckOptions, func(_ int, res checks.Result) {
		fmt.Fprintf(out, "%s %s %s: %s\n", report.Mark(res.Status), res.ID, clean(res.Target), clean(res.Message))
		if res.Fix != "" && res.Status != checks.Pass {
			fmt.Fprintf(out, "  fix: %s\n", clean(res.Fix))
		}
	})
	if err := ask(huh.NewInput().Title("Date the configuration was submitted to NHS (YYYY-MM-DD, blank if not yet)").
		Value(&c.submittedOn).Validate(func(v string) error {
		if v == "" {
			return nil
		}
		return dateCheck(v)
	})); err != nil {
		return nil, accessibleErr(err)
	}
	cl := (&checklist{c: c}).build()
	msg := writeOutputs(c.opts, cloneConfig(*cfg), c.results, cl)().(outputsWrittenMsg)
	if msg.err != nil {
		return nil, msg.err
	}
	if !cl.EarliestGoLive.IsZero() {
		fmt.Fprintln(out, "Earliest go-live:", cl.EarliestGoLive.Format("Monday 2 January 2006"))
	}
	return &Result{Config: cloneConfig(*cfg), Written: msg.paths}, nil
}

type byteReader struct{ r io.Reader }

func (b byteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return b.r.Read(p)
}

func accessibleErr(err error) error {
	if errors.Is(err, huh.ErrUserAborted) || errors.Is(err, context.Canceled) {
		return ErrCancelled
	}
	return err
}

func dateCheck(v string) error {
	if _, err := timeParse(v); err != nil {
		return errors.New("write the date as YYYY-MM-DD")
	}
	return nil
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range splitLines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
