package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"
)

// selfSignedDER is a certificate for signer's public key, valid until notAfter.
func selfSignedDER(t *testing.T, signer crypto.Signer, notAfter time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "x5c test"},
		NotBefore:    notAfter.Add(-24 * time.Hour),
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestX5C(t *testing.T) {
	k2048, _ := testRSA(t)
	other := testEC(t, p256())
	notAfter := time.Date(2031, 5, 1, 12, 0, 0, 0, time.UTC)
	std := base64.StdEncoding.EncodeToString

	set := mustParse(t, setJSON(t,
		jwkJSON(t, &k2048.PublicKey, "with-x5c", "RS256", "sig", map[string]any{"x5c": []string{std(selfSignedDER(t, k2048, notAfter))}}),
		jwkJSON(t, &k2048.PublicKey, "no-x5c", "RS256", "sig", nil),
		jwkJSON(t, &k2048.PublicKey, "wrong-x5c", "RS256", "sig", map[string]any{"x5c": []string{std(selfSignedDER(t, other, notAfter))}}),
		jwkJSON(t, &k2048.PublicKey, "bad-x5c", "RS256", "sig", map[string]any{"x5c": []string{"not base64!"}}),
	))

	certs, err := set.Keys[0].X5C()
	if err != nil || len(certs) != 1 || !certs[0].NotAfter.Equal(notAfter) {
		t.Fatalf("with-x5c: got %d certs, err %v; want one expiring %s", len(certs), err, notAfter)
	}
	if certs, err := set.Keys[1].X5C(); certs != nil || err != nil {
		t.Errorf("no-x5c: got %v, %v; want nil, nil", certs, err)
	}
	for _, k := range set.Keys[2:] {
		if certs, err := k.X5C(); err == nil || !strings.HasPrefix(err.Error(), k.KID+": x5c") {
			t.Errorf("%s: got %d certs, err %v; want an error naming the key and x5c", k.KID, len(certs), err)
		}
	}
}
