import { manualClock } from '@govblocks/core';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isIdentityError } from './errors.js';
import { createLocalJwks, createRemoteJwks } from './jwks.js';

let rsa: JWK;
let ec: JWK;

beforeAll(async () => {
  rsa = {
    ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey)),
    kid: 'r1',
    alg: 'RS256',
  };
  ec = {
    ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)),
    kid: 'e1',
  };
});

function endpoint(body: () => Response) {
  const state = {
    calls: 0,
    fetch: (async () => {
      state.calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return body();
    }) as typeof fetch,
  };
  return state;
}

describe('remote JWKS', () => {
  it('fetches once for concurrent callers and serves from cache until max age', async () => {
    const clock = manualClock();
    const server = endpoint(() => Response.json({ keys: [rsa, ec] }));
    const keys = createRemoteJwks({
      url: 'https://idp.example/jwks',
      fetch: server.fetch,
      clock,
      cacheMaxAgeMs: 60_000,
    });
    await Promise.all([
      keys.getKey({ alg: 'RS256', kid: 'r1' }),
      keys.getKey({ alg: 'ES256', kid: 'e1' }),
      keys.getKey({ alg: 'RS256', kid: 'r1' }),
    ]);
    expect(server.calls).toBe(1);
    clock.advance(59_000);
    await keys.getKey({ alg: 'RS256', kid: 'r1' });
    expect(server.calls).toBe(1);
    clock.advance(2_000);
    await keys.getKey({ alg: 'RS256', kid: 'r1' });
    expect(server.calls).toBe(2);
  });

  it('chooses keys by kid, key type, curve, alg and use', async () => {
    const encryption = { ...rsa, kid: 'enc', use: 'enc' };
    const keys = createLocalJwks({ keys: [rsa, ec, encryption] });
    await expect(keys.getKey({ alg: 'ES256', kid: 'e1' })).resolves.toBeDefined();
    await expect(keys.getKey({ alg: 'ES256' })).resolves.toBeDefined(); // the only EC key
    await expect(keys.getKey({ alg: 'PS256', kid: 'r1' })).rejects.toSatisfy((error) =>
      isIdentityError(error, 'JWKS_KEY_NOT_FOUND'),
    ); // alg pinned to RS256
    await expect(keys.getKey({ alg: 'ES384', kid: 'e1' })).rejects.toSatisfy((error) =>
      isIdentityError(error, 'JWKS_KEY_NOT_FOUND'),
    ); // wrong curve
    await expect(keys.getKey({ alg: 'RS256', kid: 'enc' })).rejects.toSatisfy((error) =>
      isIdentityError(error, 'JWKS_KEY_NOT_FOUND'),
    ); // not a signing key
    const twoRsa = createLocalJwks({ keys: [rsa, { ...rsa, kid: 'r2' }] });
    await expect(twoRsa.getKey({ alg: 'RS256' })).rejects.toSatisfy((error) =>
      isIdentityError(error, 'JWKS_KEY_NOT_FOUND'),
    );
  });

  it('turns bad answers into JWKS_UNAVAILABLE', async () => {
    for (const body of [
      () => new Response('oops', { status: 500 }),
      () => new Response('not json'),
      () => Response.json({ nokeys: true }),
      () => Response.json({ keys: [rsa], padding: 'x'.repeat(600_000) }),
    ]) {
      const keys = createRemoteJwks({
        url: 'https://idp.example/jwks',
        fetch: endpoint(body).fetch,
      });
      await expect(keys.getKey({ alg: 'RS256', kid: 'r1' })).rejects.toSatisfy((error) =>
        isIdentityError(error, 'JWKS_UNAVAILABLE'),
      );
    }
  });

  it('retries a failed first fetch on the next call once the cool-down allows', async () => {
    const clock = manualClock();
    let up = false;
    const server = endpoint(() =>
      up ? Response.json({ keys: [rsa] }) : new Response('down', { status: 503 }),
    );
    const keys = createRemoteJwks({
      url: 'https://idp.example/jwks',
      fetch: server.fetch,
      clock,
      cooldownMs: 10_000,
    });
    await expect(keys.getKey({ alg: 'RS256', kid: 'r1' })).rejects.toSatisfy((error) =>
      isIdentityError(error, 'JWKS_UNAVAILABLE'),
    );
    up = true;
    await expect(keys.getKey({ alg: 'RS256', kid: 'r1' })).resolves.toBeDefined();
  });
});
