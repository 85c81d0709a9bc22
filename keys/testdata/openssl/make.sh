#!/usr/bin/env bash
# Regenerates the openssl-made test keys (run from this directory; the outputs are committed, so
# tests need no openssl). The keys are test fixtures only: never use them for anything else.
#
# Every JWK here is written from openssl's own output (modulus, DER certificate) with coreutils,
# not by cis2-golive, so the tests compare our verdicts with keys another implementation made.
set -euo pipefail
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
modulus() { openssl rsa -in "$1" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url; }
certder() { openssl x509 -in "$1" -outform DER | base64 -w0; }
genrsa() { openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1"; chmod 600 "$1"; }
selfsigned() { openssl req -quiet -x509 -key "$1" -subj "/CN=$3" -days 36500 -sha256 -out "$2"; }

genrsa rsa8192.pem 8192
genrsa rsa1024.pem 1024
genrsa x5c-key.pem 2048   # the key whose n/e the x5c JWKs carry
genrsa x5c-other.pem 2048 # a different key, certified in the mismatching x5c
selfsigned rsa8192.pem rsa8192.crt "cis2-golive test 8192"
selfsigned x5c-key.pem x5c-key.crt "cis2-golive test x5c"
selfsigned x5c-other.pem x5c-other.crt "cis2-golive test other"

jwk() { # kid key [x5c-cert]
  local x5c=""
  [ -n "${3:-}" ] && x5c=",\"x5c\":[\"$(certder "$3")\"]"
  printf '{"kty":"RSA","kid":"%s","use":"sig","alg":"RS256","n":"%s","e":"AQAB"%s}' "$1" "$(modulus "$2")" "$x5c"
}
set_of() { printf '{"keys":[%s]}\n' "$1"; }

set_of "$(jwk big rsa8192.pem)" > rsa8192.jwks.json
set_of "$(jwk big rsa8192.pem rsa8192.crt)" > rsa8192-x5c.jwks.json
set_of "$(jwk small rsa1024.pem)" > rsa1024.jwks.json
set_of "$(jwk signing x5c-key.pem x5c-key.crt)" > x5c-match.jwks.json
set_of "$(jwk signing x5c-key.pem x5c-other.crt)" > x5c-mismatch.jwks.json
rm -f ./*.crt x5c-other.pem rsa1024.pem
