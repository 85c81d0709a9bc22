package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// authority is the sandbox's own certificate authority. It is generated fresh for every
// sandbox and lives only in memory, so nothing outside the process can ever trust it. Its
// lifetime is long only so that the leaves (90 days) are not flagged as expiring soon.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	pool *x509.CertPool
}

func newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "cis2-golive sandbox CA", Organization: []string{"cis2-golive sandbox"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &authority{cert: cert, key: key, pool: pool,
		pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// leaf issues a server certificate for host. An expired leaf lies entirely in the past (the
// CA itself stays valid), so the only thing wrong with the chain is the leaf's expiry.
func (a *authority) leaf(host string, expired bool) (tls.Certificate, error) {
	return issue([]string{host}, expired, a.cert, a.key)
}

// selfSigned makes a certificate for host that vouches for itself: no CA trusts it.
func selfSigned(host string) (tls.Certificate, error) { return issue([]string{host}, false, nil, nil) }

// issue makes a leaf for hosts (names or IP addresses) signed by parent (itself when parent
// is nil).
func issue(hosts []string, expired bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (tls.Certificate, error) {
	host := hosts[0]
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generate key for %s: %w", host, err)
	}
	now := time.Now()
	notBefore, notAfter := now.Add(-time.Hour), now.Add(90*24*time.Hour)
	if expired {
		notBefore, notAfter = now.Add(-60*24*time.Hour), now.Add(-24*time.Hour)
	}
	if parent != nil && notAfter.After(parent.NotAfter) {
		notAfter = parent.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("issue certificate for %s: %w", host, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parse certificate for %s: %w", host, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}

// CA is a certificate authority of its own for a loopback TLS server outside the sandbox (the
// sim command's): generated fresh, held in memory, its certificate written out for the one
// application that should trust it.
type CA struct{ a *authority }

// NewCA generates a CA.
func NewCA() (*CA, error) {
	a, err := newAuthority()
	if err != nil {
		return nil, err
	}
	return &CA{a}, nil
}

// Leaf issues a 90-day server certificate for hosts (names or IP addresses).
func (c *CA) Leaf(hosts ...string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		return tls.Certificate{}, fmt.Errorf("a certificate needs a host")
	}
	return issue(hosts, false, c.a.cert, c.a.key)
}

// PEM is the CA certificate in PEM.
func (c *CA) PEM() []byte { return append([]byte(nil), c.a.pem...) }
