package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// RSA key generation is the slow part of these tests; one key of each size serves them all.
var (
	rsaOnce sync.Once
	rsa2048 *rsa.PrivateKey
	rsa1024 *rsa.PrivateKey
)

func testRSA(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsa2048, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if rsa1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
	})
	return rsa2048, rsa1024
}

func testEC(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwkJSON marshals a JWK with go-jose and merges extra members into it (nil deletes one).
func jwkJSON(t *testing.T, key any, kid, alg, use string, extra map[string]any) json.RawMessage {
	t.Helper()
	data, err := jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: use}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func setJSON(t *testing.T, keys ...json.RawMessage) []byte {
	t.Helper()
	if keys == nil {
		keys = []json.RawMessage{}
	}
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, data []byte) *Set {
	t.Helper()
	s, err := ParseSet(data)
	if err != nil {
		t.Fatalf("ParseSet: %v", err)
	}
	return s
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func p256() elliptic.Curve { return elliptic.P256() }
