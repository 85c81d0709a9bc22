package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/cis2-golive/cis2-golive/sanitize"
)

// maxPEMBytes bounds a key file read: a 4096-bit RSA key is about 3.3 KiB of PEM; a file far
// larger is the wrong file, and reading it whole would be wasteful.
const maxPEMBytes = 64 << 10

// ErrKeyFilePermissions marks a private key file that group or others can read.
var ErrKeyFilePermissions = errors.New("private key file is readable by group or others")

// LoadPrivateKey reads a PEM private key (PKCS#1, PKCS#8 or SEC1; RSA or EC). It refuses a
// file that group or others can read (except on Windows, which has no such mode bits): a
// signing key anyone on the machine can read is as good as published. Errors name the path,
// never the key's content.
func LoadPrivateKey(path string) (crypto.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("read key %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPEMBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	if len(data) > maxPEMBytes {
		return nil, fmt.Errorf("read key %s: larger than %d KiB; is this the private key file?", path, maxPEMBytes>>10)
	}
	// What the file is comes first: advising "chmod 600" for a file that holds no key
	// (/etc/passwd, a certificate) would have the user lock the wrong file.
	key, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("read key %s: %w (mode %04o); fix: chmod 600 %s", path, ErrKeyFilePermissions, info.Mode().Perm(), path)
	}
	return key, nil
}

// ParsePrivateKeyPEM parses the first private key block in PEM data (an "EC PARAMETERS" block
// before it, as openssl writes, is skipped). Library parse errors are replaced by our own
// messages so no fragment of key material can reach an error string.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key found: expected a block such as -----BEGIN PRIVATE KEY-----")
		}
		if _, encrypted := block.Headers["Proc-Type"]; encrypted {
			return nil, errors.New("the private key is encrypted with a passphrase; decrypt it first: openssl pkey -in KEY -out KEY.plain")
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			return parsePrivateDER(block.Type, block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the private key is encrypted with a passphrase; decrypt it first: openssl pkcs8 -in KEY -out KEY.plain")
		case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
			return nil, fmt.Errorf("this is a %s, not a private key", lowerType(block.Type))
		default:
			return nil, fmt.Errorf("unexpected PEM block %q; expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY", sanitize.Clean(block.Type))
		}
	}
}

func lowerType(t string) string {
	switch t {
	case "CERTIFICATE":
		return "certificate"
	default:
		return "public key"
	}
}

// parsePrivateDER tries the format the PEM label names first, then the others: files with
// the wrong label are common and the DER itself is unambiguous.
func parsePrivateDER(label string, der []byte) (crypto.Signer, error) {
	parsers := map[string]func([]byte) (any, error){
		"PRIVATE KEY":     x509.ParsePKCS8PrivateKey,
		"RSA PRIVATE KEY": func(b []byte) (any, error) { return x509.ParsePKCS1PrivateKey(b) },
		"EC PRIVATE KEY":  func(b []byte) (any, error) { return x509.ParseECPrivateKey(b) },
	}
	order := []string{label}
	for _, l := range []string{"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"} {
		if l != label {
			order = append(order, l)
		}
	}
	for _, l := range order {
		key, err := parsers[l](der)
		if err != nil {
			continue
		}
		switch k := key.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case *ecdsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return nil, errors.New("Ed25519 keys are not supported: CIS2 private_key_jwt uses RS256 or RS512, so use an RSA key")
		default:
			return nil, fmt.Errorf("unsupported private key type %T; use an RSA key", key)
		}
	}
	return nil, fmt.Errorf("the %s block is not a valid PKCS#1, PKCS#8 or SEC1 RSA/EC private key (RSA keys under 1024 bits are refused too)", label)
}

// ParsePublicKeyPEM parses a PEM public key ("PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY") or the
// public key of a certificate.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the PUBLIC KEY block is not a valid PKIX public key")
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the RSA PUBLIC KEY block is not a valid PKCS#1 public key")
		}
		return pub, nil
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, errors.New("the CERTIFICATE block does not parse")
		}
		return cert.PublicKey, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a public key", sanitize.Clean(block.Type))
}

// EncodePKCS8PEM encodes a private key as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePKCS8PEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
