/**
 * ID token verification through the SDK (allow-list, kid lookup, iss/aud/azp/exp/iat/nbf,
 * nonce) vs bare `jose.jwtVerify` with the same key, for ES256, EdDSA and RS256; plus the JWKS
 * cache-hit path (remote key set already fetched). Target: ratio ≥ 0.9.
 *
 * BENCH_TIME_MS scales the measuring time per task (default 2,000: this machine is noisy).
 */
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
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
  // The baseline uses the key imported from the same JWK the SDK reads, so both verify with
  // identical key objects.
  return { token, publicKey: (await importJWK(jwk, alg)) as CryptoKey, jwk };
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
      // Warm both paths equally so that JIT tiering does not favour whichever runs second.
      for (let index = 0; index < 500; index += 1) {
        await jwtVerify(state.token, state.publicKey, {
          issuer,
          audience: clientId,
          algorithms: [alg],
        });
        await verify();
      }
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

/**
 * The same comparison measured the robust way for a noisy, shared machine: baseline and subject
 * alternate in small batches for several rounds and the median of per-round ratios is reported.
 */
function interleaved(alg: Alg, path: 'local' | 'jwks-cache-hit') {
  return {
    name: `ID token ${alg} (${path === 'local' ? 'pinned key' : 'remote JWKS, cache hit'}), interleaved median`,
    async run() {
      const state = await fixture(alg);
      const keys =
        path === 'local'
          ? createLocalJwks({ keys: [state.jwk] })
          : createRemoteJwks({
              url: `${issuer}/jwks`,
              fetch: (async () => Response.json({ keys: [state.jwk] })) as typeof fetch,
            });
      const verifier = createIdTokenVerifier({ issuer, clientId, keys, algorithms: [alg] });
      const baseline = () =>
        jwtVerify(state.token, state.publicKey, { issuer, audience: clientId, algorithms: [alg] });
      const subject = () => verifier.verify(state.token, { nonce });
      const batch = async (fn: () => Promise<unknown>, size: number) => {
        const started = performance.now();
        for (let index = 0; index < size; index += 1) await fn();
        return performance.now() - started;
      };
      await batch(baseline, 300);
      await batch(subject, 300);
      const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        // Alternate which goes first so that drift does not favour either.
        const [first, second] = round % 2 === 0 ? [baseline, subject] : [subject, baseline];
        const a = await batch(first, 200);
        const b = await batch(second, 200);
        const [baselineMs, subjectMs] = round % 2 === 0 ? [a, b] : [b, a];
        ratios.push(baselineMs / subjectMs);
      }
      ratios.sort((left, right) => left - right);
      const median = ratios[Math.floor(ratios.length / 2)] as number;
      return [
        {
          label: 'median ratio (SDK ops/s ÷ jose ops/s)',
          value: `${median.toFixed(3)}  target ≥ 0.9 ${median >= 0.9 ? 'met' : 'NOT met'}`,
        },
        {
          label: 'spread of round ratios',
          value: `${(ratios[0] as number).toFixed(3)} … ${(ratios.at(-1) as number).toFixed(3)}`,
        },
      ];
    },
  };
}

export default defineBench(
  comparison('ES256', 'local'),
  comparison('EdDSA', 'local'),
  comparison('RS256', 'local'),
  comparison('ES256', 'jwks-cache-hit'),
  comparison('RS256', 'jwks-cache-hit'),
  interleaved('ES256', 'local'),
  interleaved('EdDSA', 'local'),
  interleaved('RS256', 'local'),
  interleaved('ES256', 'jwks-cache-hit'),
  interleaved('RS256', 'jwks-cache-hit'),
);
