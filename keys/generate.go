package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/cis2-golive/cis2-golive/model"
)

// AllowedBits are the RSA sizes Generate makes: 2048 is the floor for signing keys; larger
// sizes cost signing time for margin few need.
var AllowedBits = []int{2048, 3072, 4096}

// DefaultAlg is the signing algorithm for new keys when none is given: CIS2's own default.
const DefaultAlg = "RS256"

// JWKSFile is the name of the public key set Write* functions produce.
const JWKSFile = "jwks.json"

// Generate creates an RSA private key of one of AllowedBits.
func Generate(bits int) (*rsa.PrivateKey, error) {
	if !slices.Contains(AllowedBits, bits) {
		return nil, fmt.Errorf("key size %d: use 2048, 3072 or 4096", bits)
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return key, nil
}

// Files says where a new key went.
type Files struct {
	KeyPath  string // the private key, PKCS#8 PEM, mode 0600: never leaves the server
	JWKSPath string // the public JWK Set to publish at the JWKS URI
	KID      string // the new key's kid (its RFC 7638 thumbprint)
	Alg      string
	Bits     int
	Keys     int // keys in the written JWKS
}

// WriteNew generates a key and writes it to dir as private-key-<kid prefix>.pem (mode 0600)
// plus jwks.json holding only its public half. It refuses to overwrite either file.
func WriteNew(dir, alg string, bits int, generating func(bits int)) (Files, error) {
	return write(dir, alg, bits, nil, "", generating)
}

// Rotate reads the JWKS at jwksPath and writes, in dir, the next private key and jwks.json
// holding every current key byte-for-byte followed by the new one. jwks.json may replace
// jwksPath itself (the new file holds all of the old one); any other existing file is left
// alone and is an error. With alg "" the new key takes the current keys' alg, or DefaultAlg.
// A JWKS holding private members is refused: rotating would publish them again.
func Rotate(jwksPath, dir, alg string, bits int, generating func(bits int)) (Files, error) {
	data, err := readBounded(jwksPath, MaxSetBytes)
	if err != nil {
		return Files{}, err
	}
	set, err := ParseSet(data)
	if err != nil {
		return Files{}, fmt.Errorf("read JWKS %s: %w", jwksPath, err)
	}
	for _, k := range set.Keys {
		if k.HasPrivate() {
			return Files{}, fmt.Errorf("JWKS %s: key %s holds private key material (%v); it must not be published: run `cis2-golive keys inspect %s` and start again with `cis2-golive keys new`",
				jwksPath, k.Label(), k.PrivateMembers, jwksPath)
		}
	}
	if alg == "" {
		alg = currentAlg(set.Keys)
	}
	return write(dir, alg, bits, set.Keys, jwksPath, generating)
}

// currentAlg is the alg of the newest key that declares one CIS2 accepts: the registered
// signing alg does not change with the key, so the next key should keep it.
func currentAlg(keys []Key) string {
	for _, k := range slices.Backward(keys) {
		if slices.Contains(model.CIS2.TokenEndpointSigningAlgs, k.Alg) {
			return k.Alg
		}
	}
	return DefaultAlg
}

// write makes the key and writes both files. generating (may be nil) is told just before the
// key is made, once everything that can be checked without it has been: a caller can say
// "Generating…" knowing no input error follows it.
func write(dir, alg string, bits int, current []Key, replaceable string, generating func(bits int)) (Files, error) {
	if !slices.Contains(model.CIS2.TokenEndpointSigningAlgs, alg) {
		return Files{}, fmt.Errorf("alg %q: CIS2 accepts %v", alg, model.CIS2.TokenEndpointSigningAlgs)
	}
	if err := refuseExisting(filepath.Join(dir, JWKSFile), replaceable); err != nil {
		return Files{}, err
	}
	if generating != nil {
		generating(bits)
	}
	key, err := Generate(bits)
	if err != nil {
		return Files{}, err
	}
	jwk, err := PublicJWK(&key.PublicKey, alg)
	if err != nil {
		return Files{}, err
	}
	set, err := MarshalSet(append(slices.Clip(current), jwk))
	if err != nil {
		return Files{}, err
	}
	pemData, err := EncodePKCS8PEM(key)
	if err != nil {
		return Files{}, err
	}
	files := Files{
		KeyPath:  filepath.Join(dir, "private-key-"+jwk.KID[:8]+".pem"),
		JWKSPath: filepath.Join(dir, JWKSFile),
		KID:      jwk.KID, Alg: alg, Bits: bits, Keys: len(current) + 1,
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Files{}, fmt.Errorf("create %s: %w", dir, err)
	}
	// Checked up front so nothing is written when either file exists. Another process could
	// still create one in between; this guards against mistakes, not against races.
	if err := refuseExisting(files.KeyPath, ""); err != nil {
		return Files{}, err
	}
	if err := refuseExisting(files.JWKSPath, replaceable); err != nil {
		return Files{}, err
	}
	if err := model.WriteFileAtomic(files.KeyPath, pemData, 0o600); err != nil {
		return Files{}, err
	}
	if err := model.WriteFileAtomic(files.JWKSPath, set, 0o644); err != nil {
		return Files{}, err
	}
	return files, nil
}

// refuseExisting errors if path exists, unless it is the same file as replaceable.
func refuseExisting(path, replaceable string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if replaceable != "" {
		if rinfo, err := os.Stat(replaceable); err == nil && os.SameFile(info, rinfo) {
			return nil
		}
	}
	return &ExistsError{Path: path}
}

// ExistsError is a file a new key would overwrite. The fix depends on the caller (a flag on
// the command line, another answer in the wizard), so the message ends with the fact.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return e.Path + " already exists; refusing to overwrite it"
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: larger than %d KiB", path, limit>>10)
	}
	return data, nil
}
