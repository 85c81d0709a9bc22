// Builds the JWKS cases the live checks' verdicts are compared with: keys and client
// assertions made by jose 6 (and node:crypto where jose refuses to sign, and openssl's keys
// from keys/testdata/openssl), with jose's own verdict on each (createLocalJWKSet + jwtVerify).
// Usage: node cases.mjs REPO_DIR > cases.json
import * as jose from 'jose';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = process.argv[2];
const openssl = (name) => readFileSync(join(repo, 'keys', 'testdata', 'openssl', name), 'utf8');
const rfc7517 = JSON.parse(readFileSync(join(repo, 'keys', 'testdata', 'rfc7517-a1.json'), 'utf8'));

// The claims assertion.sign-verify checks; the Go side verifies with the same values.
export const clientId = '123456789012.apps.supplier';
export const aud = 'https://cis2.reference.test/access_token';

const pub = async (key, extra = {}) => ({ ...(await jose.exportJWK(key)), ...extra });

async function sign(privateKey, alg, kid) {
  const header = { alg, typ: 'JWT' };
  if (kid !== undefined) header.kid = kid;
  return new jose.SignJWT({})
    .setProtectedHeader(header)
    .setIssuer(clientId).setSubject(clientId).setAudience(aud)
    .setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('5m')
    .sign(privateKey);
}

// signWithNode signs where jose refuses to (an RSA key under 2048 bits): node:crypto's JWS.
function signWithNode(privateKey, kid) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ iss: clientId, sub: clientId, aud, jti: crypto.randomUUID(), iat: now, exp: now + 300 })}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

async function joseVerdict(jwks, token, alg) {
  try {
    await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), { algorithms: [alg], issuer: clientId, subject: clientId, audience: aud });
    return { accepted: true };
  } catch (e) {
    return { accepted: false, reason: `${e.code ?? e.name}: ${e.message}` };
  }
}

const gen = (alg, opts = {}) => jose.generateKeyPair(alg, { extractable: true, ...opts });
const [a, b, ec] = await Promise.all([gen('RS256'), gen('RS256'), gen('ES256')]);
const rfcEC = rfc7517.keys[0]; // RFC 7517 A.1's EC "use": "enc" key
const big = await jose.importPKCS8(openssl('rsa8192.pem'), 'RS256');
const x5cKey = await jose.importPKCS8(openssl('x5c-key.pem'), 'RS256');
const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
const privateJWK = await jose.exportJWK(a.privateKey);

const cases = [
  { name: '8192-bit RSA key (openssl)', jwks: JSON.parse(openssl('rsa8192.jwks.json')), key: big, kid: 'big' },
  { name: '8192-bit RSA key with its x5c (openssl)', jwks: JSON.parse(openssl('rsa8192-x5c.jwks.json')), key: big, kid: 'big' },
  { name: 'x5c of the key (openssl)', jwks: JSON.parse(openssl('x5c-match.jwks.json')), key: x5cKey, kid: 'signing' },
  { name: 'x5c of another key (openssl)', jwks: JSON.parse(openssl('x5c-mismatch.jwks.json')), key: x5cKey, kid: 'signing' },
  { name: 'one key without kid', jwks: { keys: [await pub(a.publicKey, { alg: 'RS256', use: 'sig' })] }, key: a.privateKey },
  { name: 'kid shared by an EC and an RSA key', jwks: { keys: [await pub(ec.publicKey, { kid: 'k', alg: 'ES256' }), await pub(a.publicKey, { kid: 'k', alg: 'RS256' })] }, key: a.privateKey, kid: 'k' },
  { name: 'kid shared by two RSA keys', jwks: { keys: [await pub(b.publicKey, { kid: 'k' }), await pub(a.publicKey, { kid: 'k' })] }, key: a.privateKey, kid: 'k' },
  { name: 'RFC 7517 A.1 EC use enc key beside an RSA signing key', jwks: { keys: [rfcEC, await pub(a.publicKey, { kid: '2011-04-29', alg: 'RS256' })] }, key: a.privateKey, kid: '2011-04-29' },
  { name: 'use enc on the only RSA key', jwks: { keys: [await pub(a.publicKey, { kid: 'a', use: 'enc' })] }, key: a.privateKey, kid: 'a' },
  { name: 'EC-only set for RS256', jwks: { keys: [await pub(ec.publicKey, { kid: 'e', alg: 'ES256' })] }, key: a.privateKey, kid: 'e' },
  { name: 'private members in the set', jwks: { keys: [{ ...privateJWK, kid: 'a', alg: 'RS256' }] }, key: a.privateKey, kid: 'a' },
  { name: 'symmetric key beside the signing key', jwks: { keys: [{ kty: 'oct', kid: 'h', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ' }, await pub(a.publicKey, { kid: 'a', alg: 'RS256' })] }, key: a.privateKey, kid: 'a' },
  { name: '1024-bit RSA key', jwks: { keys: [{ ...small.publicKey.export({ format: 'jwk' }), kid: 's', alg: 'RS256' }] }, node: small.privateKey, kid: 's' },
];

const out = [];
for (const c of cases) {
  const token = c.node ? signWithNode(c.node, c.kid) : await sign(c.key, 'RS256', c.kid);
  out.push({ name: c.name, alg: 'RS256', jwks: c.jwks, token, jose: await joseVerdict(c.jwks, token, 'RS256') });
}
process.stdout.write(JSON.stringify({ client_id: clientId, aud, jose_version: JSON.parse(readFileSync(new URL('./node_modules/jose/package.json', import.meta.url))).version, cases: out }, null, 2));
