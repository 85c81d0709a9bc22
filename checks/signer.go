package checks

import (
	"context"
	"crypto"
	"errors"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// loadSigner is the run's signing key: the PEM file of --key, or the external signer of
// --sign-cmd (a KMS, an HSM), which the checks then use exactly as they use a PEM key.
func (r *run) loadSigner() (crypto.Signer, error) {
	if r.opts.SignCommand == "" {
		return keys.LoadPrivateKey(r.opts.KeyPath)
	}
	alg := r.cfg.TokenEndpointAuthSigningAlg
	if alg == "" {
		alg = keys.DefaultAlg
	}
	s, err := keys.NewCommandSigner(r.opts.SignCommand, alg)
	if err != nil {
		return nil, err
	}
	s.Timeout = r.opts.Timeout
	return s, nil
}

// hasSigner reports whether the run was given a key to sign test assertions with.
func (r *run) hasSigner() bool { return r.opts.KeyPath != "" || r.opts.SignCommand != "" }

// signerFlag names where the signing key came from, for messages.
func (r *run) signerFlag() string {
	if r.opts.SignCommand != "" {
		return "--sign-cmd"
	}
	return "--key"
}

// bindSigner tells an external signer which published key is its own (it signs a challenge
// and keeps the key that verifies it), so the checks can look it up by thumbprint like a PEM
// key. A PEM key is returned as it is.
func (r *run) bindSigner(ctx context.Context, signer crypto.Signer, set *keys.Set) (crypto.Signer, *Result) {
	cs, ok := signer.(*keys.CommandSigner)
	if !ok || cs.Public() != nil {
		return signer, nil
	}
	if _, err := cs.Bind(ctx, set); err != nil {
		if errors.Is(err, keys.ErrSignatureNotPublished) {
			return nil, &Result{Status: model.Fail, Message: errKeyNotInJWKS.Error() + ": " + sanitize.CleanN(err.Error(), 400),
				Fix: "publish the public JWK of the key the command signs with (see `cis2-golive keys`), or point the command at the published key"}
		}
		return nil, &Result{Status: model.Fail, Message: "could not sign with --sign-cmd: " + sanitize.CleanN(err.Error(), 400),
			Fix: "run the command by hand: printf 'test' | COMMAND | wc -c should print the key's size in bytes (256 for RSA 2048)"}
	}
	return cs, nil
}
