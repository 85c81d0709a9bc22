package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// generateKeys makes the relying party's signing keys, fresh for every sandbox (fake CIS2
// makes its own).
func (s *Sandbox) generateKeys() error {
	var err error
	if s.rpKey, err = keys.Generate(2048); err != nil {
		return fmt.Errorf("generate relying party key: %w", err)
	}
	if s.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return fmt.Errorf("generate EC key: %w", err)
	}
	s.rpKID, err = keys.Thumbprint(s.rpKey)
	return err
}

// rpJWKS is the relying party's published key set, as the faults shape it.
func (s *Sandbox) rpJWKS() ([]byte, error) {
	f := s.opts.Faults
	var key keys.Key
	var err error
	switch {
	case f.JWKSWrongAlg:
		key, err = keys.PublicJWK(&s.ecKey.PublicKey, "ES256")
	case f.JWKSNoKID:
		key.JSON, err = json.Marshal(jose.JSONWebKey{Key: &s.rpKey.PublicKey, Algorithm: SigningAlg, Use: "sig"})
	case f.JWKSLeaksPrivate:
		// go-jose writes d, p, q, dp, dq and qi for a private key: the leak under test.
		key.JSON, err = json.Marshal(jose.JSONWebKey{Key: s.rpKey, KeyID: s.rpKID, Algorithm: SigningAlg, Use: "sig"})
	default:
		key, err = keys.PublicJWK(s.rpKey, SigningAlg)
	}
	if err != nil {
		return nil, err
	}
	return keys.MarshalSet([]keys.Key{key})
}

// KeyFile is the name WriteKey gives the relying party's private key.
const KeyFile = "sandbox-rp-key.pem"

// ConfigFile is the name WriteFiles gives the configuration.
const ConfigFile = "sandbox-config.yaml"

// WriteKey writes the relying party's private key to dir as PKCS#8 PEM, readable by the owner
// only (check --key refuses anything looser), and returns its path.
func (s *Sandbox) WriteKey(dir string) (string, error) {
	data, err := keys.EncodePKCS8PEM(s.rpKey)
	if err != nil {
		return "", fmt.Errorf("encode sandbox key: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	if err := model.WriteFileAtomic(path, data, 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// Files are what WriteFiles wrote.
type Files struct {
	Dir, Config, Key string
}

// WriteFiles writes the sandbox configuration (YAML) and private key into dir, creating it
// (owner-only) if needed. The demo command and the wizard both start from these files.
func (s *Sandbox) WriteFiles(dir string) (Files, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Files{}, fmt.Errorf("create %s: %w", dir, err)
	}
	key, err := s.WriteKey(dir)
	if err != nil {
		return Files{}, err
	}
	cfg := s.Config()
	path := filepath.Join(dir, ConfigFile)
	if err := model.Save(path, &cfg); err != nil {
		return Files{}, err
	}
	return Files{Dir: dir, Config: path, Key: key}, nil
}

// StartDemo starts a sandbox with the given faults and writes its configuration and key into
// dir (a new temporary directory when dir is empty). It is the shared start of
// `cis2-golive demo` and the wizard's demo mode; the caller closes the sandbox.
func StartDemo(dir string, faults Faults) (*Sandbox, Files, error) {
	s, err := Start(Options{Faults: faults})
	if err != nil {
		return nil, Files{}, err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cis2-golive-demo-"); err != nil {
			s.Close()
			return nil, Files{}, fmt.Errorf("create demo directory: %w", err)
		}
	}
	files, err := s.WriteFiles(dir)
	if err != nil {
		s.Close()
		return nil, Files{}, err
	}
	return s, files, nil
}
