import { type Clock, systemClock } from '@govblocks/core';
import { importJWK, type JWK } from 'jose';
import { fail, isIdentityError } from './errors.js';
import type { KeySelector, KeySource, VerificationKey } from './ports.js';

export interface RemoteJwksOptions {
  /** The issuer's `jwks_uri`. */
  url: string | URL;
  /** Cached keys are refreshed after this long (ms). Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** Minimum time between two fetches triggered by an unknown `kid` (ms). Default 30 s. */
  cooldownMs?: number;
  /** Fetch timeout (ms). Default 5 s. */
  timeoutMs?: number;
  /** Largest JWKS document accepted (bytes). Default 512 KiB. */
  maxBytes?: number;
  /** Injected `fetch` (tests, custom dispatchers). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  clock?: Clock;
}

/** A remote key set with inspection hooks (used by tests and benchmarks). */
export interface RemoteJwks extends KeySource {
  /** Forces a fetch now (ignores the cool-down). */
  refresh(): Promise<void>;
  /** How many times the JWKS was fetched (successfully or not). */
  readonly fetchCount: number;
}

const algorithmKeyType: Record<string, string> = {
  RS256: 'RSA',
  RS384: 'RSA',
  RS512: 'RSA',
  PS256: 'RSA',
  PS384: 'RSA',
  PS512: 'RSA',
  ES256: 'EC',
  ES384: 'EC',
  ES512: 'EC',
  EdDSA: 'OKP',
  Ed25519: 'OKP',
  'RSA-OAEP': 'RSA',
  'RSA-OAEP-256': 'RSA',
  'ECDH-ES': 'EC',
  'ECDH-ES+A128KW': 'EC',
  'ECDH-ES+A256KW': 'EC',
};

const curveOf: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

function matches(jwk: JWK, selector: KeySelector): boolean {
  if (selector.kid !== undefined && jwk.kid !== selector.kid) return false;
  const kty = algorithmKeyType[selector.alg];
  if (kty === undefined || jwk.kty !== kty) return false;
  if (jwk.alg !== undefined && jwk.alg !== selector.alg) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  const curve = curveOf[selector.alg];
  if (curve !== undefined && jwk.crv !== curve) return false;
  if ((selector.alg === 'EdDSA' || selector.alg === 'Ed25519') && jwk.crv !== 'Ed25519')
    return false;
  return true;
}

/** Picks and imports keys from a JWK list, memoising imported keys. */
function keyPicker(component: string) {
  const imported = new Map<string, Promise<VerificationKey>>();
  return {
    /** Returns the key or `undefined` when none matches; throws when several match without a kid. */
    pick(keys: readonly JWK[], selector: KeySelector): Promise<VerificationKey> | undefined {
      const memoKey = `${selector.kid ?? ''}\u0000${selector.alg}`;
      const cached = imported.get(memoKey);
      if (cached !== undefined) return cached;
      const candidates = keys.filter((jwk) => matches(jwk, selector));
      if (candidates.length === 0) return undefined;
      if (candidates.length > 1) {
        throw fail(
          'JWKS_KEY_NOT_FOUND',
          `[identity/${component}] several keys match and the token names no kid`,
        );
      }
      const promise = importJWK(candidates[0] as JWK, selector.alg) as Promise<VerificationKey>;
      // A key that fails to import must not poison the memo.
      promise.catch(() => imported.delete(memoKey));
      imported.set(memoKey, promise);
      return promise;
    },
    clear() {
      imported.clear();
    },
  };
}

function parseJwks(body: unknown): JWK[] {
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as { keys?: unknown }).keys)
  ) {
    throw new Error('not a JWK set');
  }
  return (body as { keys: unknown[] }).keys.filter(
    (key): key is JWK =>
      typeof key === 'object' && key !== null && typeof (key as JWK).kty === 'string',
  );
}

/**
 * A fixed key set. Public keys only are needed (private members are ignored by verification).
 *
 * @example
 * const keys = createLocalJwks({ keys: [publicJwk] });
 */
export function createLocalJwks(jwks: { keys: JWK[] }): KeySource {
  const keys = parseJwks(jwks);
  const picker = keyPicker('jwks');
  return {
    getKey(selector) {
      try {
        const key = picker.pick(keys, selector);
        if (key !== undefined) return key;
        throw fail('JWKS_KEY_NOT_FOUND', '[identity/jwks] no key matches the token header');
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/**
 * A remote JWKS with caching and rotation:
 * - keys are fetched on first use and cached for `cacheMaxAgeMs`;
 * - a token whose `kid` is unknown triggers **one** refetch, at most once per `cooldownMs`
 *   (so a flood of forged kids cannot hammer the issuer);
 * - when the endpoint is down, cached keys keep working (stale-if-error); a token needing a key
 *   that is not cached gets `JWKS_UNAVAILABLE`, never a silent pass.
 *
 * @example
 * const keys = createRemoteJwks({ url: metadata.jwks_uri });
 * const key = await keys.getKey({ alg: 'RS256', kid: 'k1' });
 */
export function createRemoteJwks(options: RemoteJwksOptions): RemoteJwks {
  const url = new URL(options.url);
  const clock = options.clock ?? systemClock;
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 600_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 512 * 1024;
  const doFetch = options.fetch ?? globalThis.fetch;
  const picker = keyPicker('jwks');

  let keys: JWK[] | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;
  let fetchCount = 0;
  let lastAttemptFailed = false;

  async function load(): Promise<void> {
    lastAttemptAt = clock.now().getTime();
    fetchCount += 1;
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw fail(
        'JWKS_UNAVAILABLE',
        `[identity/jwks] fetching ${url.origin}${url.pathname} failed`,
        error,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw fail(
        'JWKS_UNAVAILABLE',
        `[identity/jwks] ${url.origin}${url.pathname} answered HTTP ${response.status}`,
      );
    }
    const text = await response.text();
    if (text.length > maxBytes)
      throw fail('JWKS_UNAVAILABLE', '[identity/jwks] the JWKS document is too large');
    let parsed: JWK[];
    try {
      parsed = parseJwks(JSON.parse(text));
    } catch (error) {
      throw fail('JWKS_UNAVAILABLE', '[identity/jwks] the JWKS document is not a JWK set', error);
    }
    keys = parsed;
    fetchedAt = clock.now().getTime();
    picker.clear();
  }

  function reload(): Promise<void> {
    inFlight ??= load()
      .then(
        () => {
          lastAttemptFailed = false;
        },
        (error: unknown) => {
          lastAttemptFailed = true;
          throw error;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  /** The hot path: a fresh cache and a known key answer with the memoised key promise, no awaits. */
  function getKey(selector: KeySelector): Promise<VerificationKey> {
    if (keys !== undefined && clock.now().getTime() - fetchedAt <= cacheMaxAgeMs) {
      try {
        const found = picker.pick(keys, selector);
        if (found !== undefined) return found;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return getKeySlowly(selector);
  }

  async function getKeySlowly(selector: KeySelector): Promise<VerificationKey> {
    const now = clock.now().getTime();
    if (keys === undefined) {
      await reload();
    } else if (now - fetchedAt > cacheMaxAgeMs && now - lastAttemptAt >= cooldownMs) {
      // Stale: try to refresh, but keep serving the cached keys if the endpoint is down.
      await reload().catch((error: unknown) => {
        if (!isIdentityError(error, 'JWKS_UNAVAILABLE')) throw error;
      });
    }
    const found = picker.pick(keys ?? [], selector);
    if (found !== undefined) return found;
    // Unknown kid: the issuer may have rotated its keys. Refetch once, respecting the cool-down.
    if (clock.now().getTime() - lastAttemptAt < cooldownMs) {
      if (lastAttemptFailed) {
        throw fail(
          'JWKS_UNAVAILABLE',
          '[identity/jwks] no cached key matches and the JWKS endpoint is unavailable',
        );
      }
      throw fail('JWKS_KEY_NOT_FOUND', '[identity/jwks] no key matches the token header');
    }
    await reload();
    const afterRefresh = picker.pick(keys ?? [], selector);
    if (afterRefresh !== undefined) return afterRefresh;
    throw fail(
      'JWKS_KEY_NOT_FOUND',
      '[identity/jwks] no key matches the token header after refreshing the JWKS',
    );
  }

  return {
    getKey,
    refresh: () => reload(),
    get fetchCount() {
      return fetchCount;
    },
  };
}

/**
 * Adapts a {@link KeySource} to jose's key-resolver signature (`JWTVerifyGetKey`), so code that
 * calls `jose.jwtVerify` directly (e.g. an HTTP kit's bearer auth) shares this cache and its
 * rotation behaviour.
 *
 * @example
 * await jwtVerify(token, toJoseKeyResolver(createRemoteJwks({ url: jwksUri })), { issuer, audience });
 */
export function toJoseKeyResolver(
  source: KeySource,
): (header: { alg?: string; kid?: string }) => Promise<VerificationKey> {
  return (header) => source.getKey({ alg: header.alg ?? '', kid: header.kid });
}
