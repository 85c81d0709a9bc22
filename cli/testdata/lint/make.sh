#!/usr/bin/env bash
# Regenerates cli/testdata/script/assertion_lint.txtar: client assertions made by openssl and
# shell alone (no cis2-golive code), one fault each, and the JWKS publishing the key's public
# half. The private key is generated afresh and thrown away: only its public half is kept.
# Needs openssl, xxd and GNU date. Run from anywhere: ./cli/testdata/lint/make.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../script/assertion_lint.txtar"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/key.pem" 2>/dev/null
n=$(openssl rsa -in "$tmp/key.pem" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url)
kid="openssl-lint-key-1"
client="123456789012.apps.supplier"
aud="https://am.nhsidentity.spineservices.nhs.uk:443/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare/access_token"
iat=$(date -u -d 2026-11-30T10:00:00Z +%s)

# jwt HASH HEADER CLAIMS: header.payload signed with openssl dgst, all base64url.
jwt() {
  local h p s
  h=$(printf '%s' "$2" | b64url)
  p=$(printf '%s' "$3" | b64url)
  s=$(printf '%s.%s' "$h" "$p" | openssl dgst "-$1" -sign "$tmp/key.pem" | b64url)
  printf '%s.%s.%s\n' "$h" "$p" "$s"
}
claims() { # ISS SUB AUD IAT EXP
  printf '{"iss":"%s","sub":"%s","aud":"%s","jti":"5d0c1f6e-openssl","iat":%d,"exp":%d}' "$1" "$2" "$3" "$4" "$5"
}
hdr="{\"alg\":\"RS512\",\"kid\":\"$kid\",\"typ\":\"JWT\"}"
good=$(claims "$client" "$client" "$aud" "$iat" $((iat + 300)))

{
cat <<'SCRIPT'
# assertion lint on client assertions openssl signed (made by ../lint/make.sh), judged as of
# 60 s after they were signed, against the JWKS publishing openssl's key.

# A correct assertion follows every rule; the JWT appears in no output.
stdin good.jwt
exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'follows every rule CIS2 checks'
stdout '10 passed · 0 warnings · 0 failed'
! stdout 'eyJ'
! stderr 'eyJ'

# Each fault is named by its rule and fails (exit 1), the token still never shown.
stdin aud-no-443.jwt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'FAIL  claims.aud  assertion.lint.aud'
stdout 'the :443 is missing'
! stdout 'eyJ'
stdin iss-not-sub.jwt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'iss "acme-epr-app" and sub'
stdout 'sub "123456789012.apps.supplier" differ'
stdin no-kid.jwt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'the header has no kid'
stdin unknown-kid.jwt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'is not in the published JWKS'
stdout 'it is the client_id, not a key id'
stdin alg-mismatch.jwt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'alg RS256, but the configuration declares'
stdout 'FAIL  header.alg'
stdin future-iat.jwt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'iat is 9m0s in the future'

# A one-hour lifetime is named as a warning: exit 0.
stdin one-hour.jwt
exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z
stdout 'warn  claims.exp  assertion.lint.lifetime'
stdout 'lives 1h0m0s'

# Without --at, long after: expired, a warning saying how to judge it as of its capture.
stdin good.jwt
exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json
stdout 'expired .* ago'
stdout 'lint it with --at'

# A pasted token request body works; JSON output holds the decoded claims, not the token.
stdin body.txt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z --format json
stdout '"id": "assertion.lint.aud"'
stdout '"ready": false'
! stdout 'eyJ'

# Given as an argument, it works, with a note about shell history.
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json --at 2026-11-30T10:01:00Z eyJhbGciOiJub25lIn0.e30.
stderr 'stays in your shell history'
! stdout 'eyJ'
stdout 'assertion is not signed'

# Usage errors: no JWT, no --config, a bad --at.
stdin notajwt.txt
! exec cis2-golive assertion lint --config prod.yaml --jwks jwks.json
stderr 'no JWT in stdin \(12 characters, none of them a JWT\)'
! stderr 'hunter'
! exec cis2-golive assertion lint
stderr '--config is required'
stdin good.jwt
! exec cis2-golive assertion lint --config prod.yaml --at yesterday
stderr '--at "yesterday": use RFC 3339'

-- prod.yaml --
environment: production
client_id: "123456789012.apps.supplier"
redirect_uris: [https://epr.acme-health.co.uk/auth/cis2/callback]
backchannel_logout_uri: https://epr.acme-health.co.uk/auth/cis2/backchannel-logout
token_endpoint_auth_method: private_key_jwt
jwks_uri: https://epr.acme-health.co.uk/.well-known/jwks.json
token_endpoint_auth_signing_alg: RS512
-- notajwt.txt --
hunter2hunte
SCRIPT
printf -- '-- jwks.json --\n{"keys":[{"kty":"RSA","kid":"%s","use":"sig","alg":"RS512","n":"%s","e":"AQAB"}]}\n' "$kid" "$n"
printf -- '-- good.jwt --\n'; jwt sha512 "$hdr" "$good"
printf -- '-- body.txt --\ngrant_type=authorization_code&code=x&client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer&client_assertion='
jwt sha512 "$hdr" "$(claims "$client" "$client" "${aud/:443/}" "$iat" $((iat + 300)))"
printf -- '-- aud-no-443.jwt --\n'; jwt sha512 "$hdr" "$(claims "$client" "$client" "${aud/:443/}" "$iat" $((iat + 300)))"
printf -- '-- iss-not-sub.jwt --\n'; jwt sha512 "$hdr" "$(claims acme-epr-app "$client" "$aud" "$iat" $((iat + 300)))"
printf -- '-- no-kid.jwt --\n'; jwt sha512 '{"alg":"RS512","typ":"JWT"}' "$good"
printf -- '-- unknown-kid.jwt --\n'; jwt sha512 "{\"alg\":\"RS512\",\"kid\":\"$client\"}" "$good"
printf -- '-- alg-mismatch.jwt --\n'; jwt sha256 "{\"alg\":\"RS256\",\"kid\":\"$kid\"}" "$good"
printf -- '-- one-hour.jwt --\n'; jwt sha512 "$hdr" "$(claims "$client" "$client" "$aud" "$iat" $((iat + 3600)))"
printf -- '-- future-iat.jwt --\n'; jwt sha512 "$hdr" "$(claims "$client" "$client" "$aud" $((iat + 600)) $((iat + 900)))"
} > "$out"
echo "wrote $out"
