package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/sanitize"
)

// SignAlgEnv names the environment variable a sign command is given the JWS alg in (RS256,
// RS512…), so one command line can serve whichever alg the configuration declares.
const SignAlgEnv = "CIS2_GOLIVE_SIGN_ALG"

// Bounds on a sign command. A signature is at most 512 bytes (RSA 4096); a command that
// prints far more is printing something else. Its stderr is only quoted in an error.
const (
	maxSignatureOutput = 64 << 10
	maxSignErrOutput   = 4 << 10
	// DefaultSignTimeout bounds one run of a sign command: a KMS round trip through a cloud
	// CLI takes a second or two, an HSM less.
	DefaultSignTimeout = 20 * time.Second
)

// ErrNotBound means a CommandSigner was asked for its public key before Bind found it.
var ErrNotBound = errors.New("the sign command's key is not known yet: Bind it to the published JWKS first")

// CommandSigner is a crypto.Signer whose private key never leaves where it lives (Azure Key
// Vault, AWS KMS, an HSM): each signature is made by an external command that reads the JWS
// signing input (ASCII header.payload) on stdin and writes the raw signature bytes on stdout.
// The command does the hashing, so Sign takes the whole message with crypto.Hash(0), as an
// Ed25519 signer does. Its public key is the published JWK Bind finds its signature verifies
// with, so the checks that use it treat it exactly like a PEM key: same lookups, same verdicts.
type CommandSigner struct {
	// Command is run by the shell (sh -c; cmd /C on Windows). It is never printed: a command
	// line may name a vault, a profile or worse.
	Command string
	// Alg is the JWS alg the command signs with; it is passed in SignAlgEnv.
	Alg string
	// Timeout bounds one run (default DefaultSignTimeout).
	Timeout time.Duration

	pub crypto.PublicKey
}

// NewCommandSigner checks the alg is one a JWS signer can use and returns the signer, not yet
// bound to a public key.
func NewCommandSigner(command, alg string) (*CommandSigner, error) {
	if strings.TrimSpace(command) == "" {
		return nil, errors.New("the sign command is empty")
	}
	switch jwt.GetSigningMethod(alg).(type) {
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS, *jwt.SigningMethodECDSA:
	default:
		return nil, fmt.Errorf("a sign command cannot sign %q: use RS256 or RS512 (CIS2's), or another RS, PS or ES alg", alg)
	}
	return &CommandSigner{Command: command, Alg: alg}, nil
}

// Public is the key Bind found; nil before.
func (s *CommandSigner) Public() crypto.PublicKey { return s.pub }

// Sign runs the command with message on stdin and returns the signature in JWS form (raw
// r||s for ES algs, whose commands usually print DER). opts.HashFunc() must be 0. Prefer
// SignContext, which also stops the command when the caller gives up.
func (s *CommandSigner) Sign(_ io.Reader, message []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != 0 {
		return nil, errors.New("a sign command signs the whole JWS signing input, not a digest: call Sign with crypto.Hash(0)")
	}
	return s.SignContext(context.Background(), message)
}

// SignContext is Sign, bounded by ctx as well as Timeout: the command runs in a process group
// of its own (so a terminal's Ctrl-C does not reach it), and only this kills it when the run
// is cancelled, rather than leaving it behind when the tool exits.
func (s *CommandSigner) SignContext(ctx context.Context, message []byte) ([]byte, error) {
	out, err := s.run(ctx, message)
	if err != nil {
		return nil, err
	}
	return s.jwsSignature(out)
}

// run executes the command once, bounded in time and output.
func (s *CommandSigner) run(parent context.Context, stdin []byte) ([]byte, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSignTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	cmd := shellCommand(ctx, s.Command)
	cmd.Env = append(os.Environ(), SignAlgEnv+"="+s.Alg)
	cmd.Stdin = bytes.NewReader(stdin)
	stdout := &cappedBuffer{limit: maxSignatureOutput}
	stderr := &cappedBuffer{limit: maxSignErrOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// The whole process group is killed at the deadline (see killGroup), and Wait gives up on
	// pipes a stray grandchild still holds a second later.
	cmd.WaitDelay = time.Second
	killGroup(cmd)
	err := cmd.Run()
	said := strings.TrimSpace(sanitize.Clean(stderr.String()))
	switch {
	case parent.Err() != nil:
		return nil, fmt.Errorf("the sign command was stopped: %w", parent.Err())
	case ctx.Err() != nil:
		return nil, fmt.Errorf("the sign command did not finish within %s", timeout)
	case err != nil:
		msg := "the sign command failed (" + sanitize.Clean(err.Error()) + ")"
		if said != "" {
			msg += ": " + said
		}
		return nil, errors.New(msg)
	case stdout.overflow:
		return nil, fmt.Errorf("the sign command wrote more than %d KiB; it must write only the raw signature", maxSignatureOutput>>10)
	case stdout.Len() == 0:
		msg := "the sign command wrote nothing on stdout; it must write the raw signature"
		if said != "" {
			msg += " (stderr: " + said + ")"
		}
		return nil, errors.New(msg)
	}
	return stdout.Bytes(), nil
}

// jwsSignature turns what the command printed into a JWS signature: ES algs take raw r||s
// (RFC 7518 §3.4), and commands such as `openssl dgst -sign` and AWS KMS print DER.
func (s *CommandSigner) jwsSignature(out []byte) ([]byte, error) {
	m, ok := jwt.GetSigningMethod(s.Alg).(*jwt.SigningMethodECDSA)
	if !ok {
		return out, nil
	}
	size := (m.CurveBits + 7) / 8
	if len(out) == 2*size {
		return out, nil
	}
	var der struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(out, &der); err != nil || len(rest) > 0 || der.R == nil || der.S == nil {
		return nil, fmt.Errorf("the sign command printed %d bytes, neither a raw %s signature (%d bytes) nor a DER one", len(out), s.Alg, 2*size)
	}
	raw := make([]byte, 2*size)
	der.R.FillBytes(raw[:size])
	der.S.FillBytes(raw[size:])
	return raw, nil
}

// Bind finds the published key the command signs for: it signs a random challenge once and
// keeps the key in set whose public half verifies it. The error says what the command's output
// looks like when no key does (base64 rather than raw bytes, a bare digest without its
// DigestInfo, another hash), since those are the usual mistakes in a one-liner.
func (s *CommandSigner) Bind(ctx context.Context, set *Set) (Key, error) {
	// The challenge holds no '.', so it is never a JWS signing input: its signature cannot be
	// replayed as a client assertion.
	challenge := []byte("cis2-golive sign-command check " + rand.Text())
	sig, err := s.SignContext(ctx, challenge)
	if err != nil {
		return Key{}, err
	}
	method := jwt.GetSigningMethod(s.Alg)
	for _, k := range set.Keys {
		if k.Public != nil && k.Supports(s.Alg) && method.Verify(string(challenge), sig, k.Public) == nil {
			s.pub = k.Public
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("%w: the sign command's %s signature verifies with no key in the JWKS%s", ErrSignatureNotPublished, s.Alg, diagnose(sig, challenge, s.Alg, set))
}

// ErrSignatureNotPublished means no published key verifies the sign command's signature.
var ErrSignatureNotPublished = errors.New("the key behind the sign command is not in the JWKS")

// diagnose names the likely mistake behind a signature no published key verifies.
func diagnose(sig, message []byte, alg string, set *Set) string {
	text := strings.TrimSpace(string(sig))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if dec, err := enc.DecodeString(text); err == nil && len(text) >= 64 && len(dec) >= 64 {
			return "; it printed base64 text, not raw bytes: end the command with `| base64 -d` (or `| openssl base64 -d -A`)"
		}
	}
	m, isRSA := jwt.GetSigningMethod(alg).(*jwt.SigningMethodRSA)
	if !isRSA {
		return ""
	}
	h := m.Hash
	for _, k := range set.Keys {
		pub, ok := k.Public.(*rsa.PublicKey)
		if !ok {
			continue
		}
		size := pub.Size()
		switch {
		case len(sig) == size+1 && sig[len(sig)-1] == '\n':
			return "; it printed a newline after the signature: write the raw bytes only"
		case len(sig) != size:
			continue
		}
		// The RSA public operation shows what was signed (RFC 8017 §8.2.2).
		em := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, size))
		payload, ok := pkcs1Payload(em)
		if !ok {
			continue
		}
		digest := h.New()
		digest.Write(message)
		want := digest.Sum(nil)
		if bytes.Equal(payload, want) {
			return fmt.Sprintf("; it signed the bare %s digest without its DigestInfo: with openssl pkeyutl, add -pkeyopt digest:%s", h, strings.ToLower(strings.ReplaceAll(h.String(), "-", "")))
		}
		for _, other := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			d := other.New()
			d.Write(message)
			if sum := d.Sum(nil); other != h && (bytes.HasSuffix(payload, sum) || bytes.Equal(payload, sum)) {
				return fmt.Sprintf("; it hashed with %s, but %s needs %s: fix the digest in the command, or declare the matching alg", other, alg, h)
			}
		}
	}
	return ""
}

// pkcs1Payload strips EMSA-PKCS1-v1_5 padding (00 01 FF… 00) and returns what follows.
func pkcs1Payload(em []byte) ([]byte, bool) {
	if len(em) < 11 || em[0] != 0 || em[1] != 1 {
		return nil, false
	}
	i := 2
	for i < len(em) && em[i] == 0xff {
		i++
	}
	if i < 10 || i >= len(em) || em[i] != 0 {
		return nil, false
	}
	return em[i+1:], true
}

// SignedString signs t with k: with a CommandSigner, the command signs the JWS signing input
// (stopped if ctx ends first); with any other key, golang-jwt does. It is the one place the
// checks sign a token.
func SignedString(ctx context.Context, t *jwt.Token, k crypto.Signer) (string, error) {
	cs, ok := k.(*CommandSigner)
	if !ok {
		return t.SignedString(k)
	}
	if t.Method.Alg() != cs.Alg {
		return "", fmt.Errorf("the sign command signs %s, not %s", cs.Alg, t.Method.Alg())
	}
	input, err := t.SigningString()
	if err != nil {
		return "", err
	}
	sig, err := cs.SignContext(ctx, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// cappedBuffer keeps the first limit bytes written and notes that more came. It has only a
// Write method on purpose: io.Copy would use an embedded bytes.Buffer's ReadFrom and bypass
// the cap.
type cappedBuffer struct {
	buf      bytes.Buffer
	limit    int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); room < len(p) {
		b.overflow = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil // keep draining so the command is not blocked on a full pipe
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) Bytes() []byte  { return b.buf.Bytes() }
func (b *cappedBuffer) String() string { return b.buf.String() }
func (b *cappedBuffer) Len() int       { return b.buf.Len() }

// shellCommand runs a command line through the platform's shell.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		return exec.CommandContext(ctx, "cmd", "/C", line)
	}
	return exec.CommandContext(ctx, "/bin/sh", "-c", line)
}

// Compile-time checks: both kinds of key the checks sign with are crypto.Signers.
var (
	_ crypto.Signer = (*CommandSigner)(nil)
	_ crypto.Signer = (*rsa.PrivateKey)(nil)
	_ crypto.Signer = (*ecdsa.PrivateKey)(nil)
)
