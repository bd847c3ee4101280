/**
 * ID token verification through the SDK (allow-list, kid lookup, iss/aud/azp/exp/iat/nbf,
 * nonce) vs bare `jose.jwtVerify` with the same key, for ES256, EdDSA and RS256; plus the JWKS
 * cache-hit path (remote key set already fetched). Target: ratio ≥ 0.9.
 *
 * BENCH_TIME_MS scales the measuring time per task (default 2,000: this machine is noisy).
 */
import { type CryptoKey, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { defineBench } from '../../../tools/bench/harness.js';
import { createIdTokenVerifier } from '../src/id-token.js';
import { createLocalJwks, createRemoteJwks } from '../src/jwks.js';

const issuer = 'https://idp.example.test';
const clientId = 'bench-client';
const nonce = 'bench-nonce-0123456789';
const time = Number(process.env.BENCH_TIME_MS ?? 2_000);

type Alg = 'ES256' | 'EdDSA' | 'RS256';

async function fixture(alg: Alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-1`, alg, use: 'sig' };
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ nonce, acr: 'mosip:idp:acr:generated-code' })
    .setProtectedHeader({ alg, kid: jwk.kid })
    .setIssuer(issuer)
    .setAudience(clientId)
    .setSubject('person-1')
    .setIssuedAt(now)
    .setExpirationTime(now + 3_600)
    .sign(privateKey);
  return { token, publicKey: publicKey as CryptoKey, jwk };
}

function comparison(alg: Alg, path: 'local' | 'jwks-cache-hit') {
  let state: Awaited<ReturnType<typeof fixture>>;
  let verify: () => Promise<unknown>;
  return {
    name: `ID token ${alg} (${path === 'local' ? 'pinned key' : 'remote JWKS, cache hit'})`,
    time,
    async setup() {
      state = await fixture(alg);
      const keys =
        path === 'local'
          ? createLocalJwks({ keys: [state.jwk] })
          : createRemoteJwks({
              url: `${issuer}/jwks`,
              fetch: (async () => Response.json({ keys: [state.jwk] })) as typeof fetch,
            });
      const verifier = createIdTokenVerifier({ issuer, clientId, keys, algorithms: [alg] });
      verify = () => verifier.verify(state.token, { nonce });
      await verify(); // warm: fetch the JWKS and import the key once
    },
    baseline: {
      name: 'jose.jwtVerify (same key)',
      fn: () =>
        jwtVerify(state.token, state.publicKey, { issuer, audience: clientId, algorithms: [alg] }),
    },
    subject: { name: 'createIdTokenVerifier().verify', fn: () => verify() },
    target: { ratio: 0.9 },
  };
}

export default defineBench(
  comparison('ES256', 'local'),
  comparison('EdDSA', 'local'),
  comparison('RS256', 'local'),
  comparison('ES256', 'jwks-cache-hit'),
  comparison('RS256', 'jwks-cache-hit'),
);
