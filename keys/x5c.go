package keys

import (
	"crypto/x509"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// X5C returns the key's x5c certificate chain (RFC 7517 §4.7), leaf first, or nil when the
// key has none. go-jose reads the chain, and refuses one whose first certificate does not hold
// the key's public half: such a chain says nothing about this key. Private members are
// dropped first, as in ParseSet.
func (k Key) X5C() ([]*x509.Certificate, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(k.JSON, &members); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object", k.Label())
	}
	if _, ok := members["x5c"]; !ok {
		return nil, nil
	}
	for _, name := range privateMembers {
		delete(members, name)
	}
	public, err := json.Marshal(members)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.Label(), err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(public); err != nil {
		return nil, fmt.Errorf("%s: x5c: %w", k.Label(), sanitisedErr(err))
	}
	return jwk.Certificates, nil
}
