// Starts a real RFC 7591 provider on loopback: node oidc-provider 9 with dynamic client
// registration, back-channel logout and signed userinfo enabled, accepting the algorithms CIS2
// lists. It prints its registration endpoint on the first line of stdout and serves until
// killed. Usage: node op.mjs
import http from 'node:http';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import Provider from 'oidc-provider';

// The provider's own signing keys (throwaway, in memory): RSA and EC, so it can sign userinfo
// with any alg a submission may declare.
const keys = await Promise.all(['RS256', 'ES256', 'ES384', 'ES512'].map(async (alg) => {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), alg, use: 'sig' };
}));

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    jwks: { keys },
    features: {
      registration: { enabled: true },
      registrationManagement: { enabled: true },
      backchannelLogout: { enabled: true },
      jwtUserinfo: { enabled: true },
      devInteractions: { enabled: false },
    },
    clientAuthMethods: ['private_key_jwt', 'client_secret_basic'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'ES512'],
    },
  });
  server.on('request', provider.callback());
  const version = JSON.parse(readFileSync(new URL('./node_modules/oidc-provider/package.json', import.meta.url))).version;
  process.stdout.write(`http://127.0.0.1:${port}/reg oidc-provider ${version}\n`);
});
