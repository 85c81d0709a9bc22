package sandbox

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"

	"github.com/cis2-golive/cis2-golive/model"
)

// generateKeys makes the relying party's and fake CIS2's signing keys, fresh for every sandbox.
func (s *Sandbox) generateKeys() error {
	var err error
	if s.rpKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return fmt.Errorf("generate relying party key: %w", err)
	}
	if s.opKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return fmt.Errorf("generate CIS2 key: %w", err)
	}
	if s.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return fmt.Errorf("generate EC key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &s.rpKey.PublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("thumbprint relying party key: %w", err)
	}
	s.rpKID = base64.RawURLEncoding.EncodeToString(thumb)
	// CIS2's kids look like base64 SHA-1 with "/", "+" and "=" in them; copying that style keeps
	// every consumer honest about treating a kid as an opaque string.
	der, err := x509.MarshalPKIXPublicKey(&s.opKey.PublicKey)
	if err != nil {
		return fmt.Errorf("encode CIS2 key: %w", err)
	}
	sum := sha1.Sum(der)
	s.opKID = base64.StdEncoding.EncodeToString(sum[:])
	return nil
}

// rpJWKS is the relying party's published key set, as the faults shape it.
func (s *Sandbox) rpJWKS() ([]byte, error) {
	f := s.opts.Faults
	key := jose.JSONWebKey{Key: &s.rpKey.PublicKey, KeyID: s.rpKID, Algorithm: SigningAlg, Use: "sig"}
	switch {
	case f.JWKSWrongAlg:
		ec := jose.JSONWebKey{Key: &s.ecKey.PublicKey, Algorithm: "ES256", Use: "sig"}
		thumb, err := ec.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, err
		}
		ec.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
		key = ec
	case f.JWKSLeaksPrivate:
		key.Key = s.rpKey // go-jose then writes d, p, q, dp, dq and qi too: the leak under test
	}
	return json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key}})
}

// opJWKS is fake CIS2's published key set.
func (s *Sandbox) opJWKS() ([]byte, error) {
	key := jose.JSONWebKey{Key: &s.opKey.PublicKey, KeyID: s.opKID, Algorithm: "RS256", Use: "sig"}
	return json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key}})
}

// KeyFile is the name WriteKey gives the relying party's private key.
const KeyFile = "sandbox-rp-key.pem"

// ConfigFile is the name WriteFiles gives the configuration.
const ConfigFile = "sandbox-config.yaml"

// WriteKey writes the relying party's private key to dir as PKCS#8 PEM, readable by the owner
// only (check --key refuses anything looser), and returns its path.
func (s *Sandbox) WriteKey(dir string) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.rpKey)
	if err != nil {
		return "", fmt.Errorf("encode sandbox key: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
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
