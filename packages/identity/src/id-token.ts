import { createHash } from 'node:crypto';
import { type Clock, ConfigurationError } from '@govblocks/core';
import { fail } from './errors.js';
import { checkAlgorithms, jwtDefaults, verifyJwt } from './jwt.js';
import type { IdTokenClaims, IdTokenVerifier, KeySource, NonceReplayCache } from './ports.js';

export interface IdTokenVerifierOptions {
  /** The issuer identifier exactly as in discovery. */
  issuer: string;
  /** This relying party's `client_id` (the expected audience). */
  clientId: string;
  /** The issuer's keys (usually {@link createRemoteJwks} on the discovered `jwks_uri`). */
  keys: KeySource;
  /** Accepted `alg` values. Default `['RS256', 'PS256', 'ES256', 'EdDSA']`; HMAC and `none` are refused. */
  algorithms?: readonly string[];
  /** Tolerated clock difference for `exp`, `nbf`, `iat` (seconds, 0–300). Default 30. */
  clockSkewSeconds?: number;
  /** Largest token accepted (bytes). Default 16 KiB. */
  maxTokenBytes?: number;
  /** Remembers nonces of accepted ID tokens so that a token cannot be replayed into another session. */
  replayCache?: NonceReplayCache;
  clock?: Clock;
}

const hashOf: Record<string, string> = {
  RS256: 'sha256',
  PS256: 'sha256',
  ES256: 'sha256',
  RS384: 'sha384',
  PS384: 'sha384',
  ES384: 'sha384',
  RS512: 'sha512',
  PS512: 'sha512',
  ES512: 'sha512',
  EdDSA: 'sha512',
  Ed25519: 'sha512',
};

/** OIDC Core §3.1.3.6: base64url of the left half of the hash of the ASCII token. */
export function tokenHash(value: string, alg: string): string {
  const algorithm = hashOf[alg];
  if (algorithm === undefined)
    throw fail('TOKEN_ALGORITHM_NOT_ALLOWED', `[identity/id-token] no hash for ${alg}`);
  const digest = createHash(algorithm).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Constant-time string comparison (length is not secret). */
function sameString(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index += 1)
    difference |= left.charCodeAt(index) ^ right.charCodeAt(index);
  return difference === 0;
}

const requiredClaims = ['iss', 'sub', 'aud', 'exp', 'iat'] as const;

/**
 * Creates an ID token verifier (OIDC Core §3.1.3.7): explicit algorithm allow-list, iss, aud,
 * azp, exp/iat/nbf with clock skew, nonce (with optional replay cache), at_hash, auth_time.
 *
 * @example
 * const verifier = createIdTokenVerifier({ issuer, clientId, keys: createRemoteJwks({ url: jwksUri }) });
 * const claims = await verifier.verify(idToken, { nonce: session.nonce, accessToken });
 */
export function createIdTokenVerifier(options: IdTokenVerifierOptions): IdTokenVerifier {
  if (!options.issuer || !options.clientId)
    throw new ConfigurationError('[identity/id-token] issuer and clientId are required');
  const algorithms = checkAlgorithms(
    options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'],
    '[identity/id-token]',
  );
  const defaults = jwtDefaults(options);
  const check = {
    keys: options.keys,
    algorithms,
    issuer: options.issuer,
    audience: options.clientId,
    requiredClaims,
    component: 'id-token',
    ...defaults,
  };
  const { clientId, replayCache } = options;

  return {
    async verify(token, expectations = {}) {
      const { payload, header } = await verifyJwt(token, check);
      // Token confusion: an RFC 9068 access token (same issuer and keys) is not an ID token.
      if (typeof header.typ === 'string' && /^(application\/)?at\+jwt$/i.test(header.typ)) {
        throw fail(
          'TOKEN_TYPE_INVALID',
          '[identity/id-token] an access token was presented as an ID token',
        );
      }
      const claims = payload as IdTokenClaims;
      if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
        throw fail(
          'TOKEN_CLAIM_MISSING',
          '[identity/id-token] the "sub" claim must be a non-empty string',
        );
      }
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (claims.azp !== undefined ? claims.azp !== clientId : audiences.length > 1) {
        throw fail(
          'TOKEN_AZP_MISMATCH',
          '[identity/id-token] the authorized party (azp) is not this client',
        );
      }
      if (expectations.nonce !== undefined) {
        if (typeof claims.nonce !== 'string')
          throw fail('OIDC_NONCE_MISSING', '[identity/id-token] the ID token has no nonce');
        if (!sameString(claims.nonce, expectations.nonce)) {
          throw fail(
            'OIDC_NONCE_MISMATCH',
            "[identity/id-token] the ID token's nonce is not this session's",
          );
        }
      }
      if (claims.at_hash !== undefined || expectations.requireAtHash === true) {
        if (expectations.accessToken === undefined || claims.at_hash === undefined) {
          throw fail('OIDC_AT_HASH_MISMATCH', '[identity/id-token] at_hash cannot be checked');
        }
        if (!sameString(claims.at_hash, tokenHash(expectations.accessToken, header.alg))) {
          throw fail(
            'OIDC_AT_HASH_MISMATCH',
            '[identity/id-token] at_hash does not match the access token',
          );
        }
      }
      if (expectations.maxAgeSeconds !== undefined) {
        if (typeof claims.auth_time !== 'number') {
          throw fail(
            'TOKEN_CLAIM_MISSING',
            '[identity/id-token] auth_time is required with max_age',
          );
        }
        const age = defaults.clock.now().getTime() / 1000 - claims.auth_time;
        if (age > expectations.maxAgeSeconds + defaults.clockSkewSeconds) {
          throw fail(
            'TOKEN_EXPIRED',
            '[identity/id-token] the authentication is older than max_age',
          );
        }
      }
      if (replayCache !== undefined && typeof claims.nonce === 'string') {
        const fresh = await replayCache.remember(
          `${claims.iss}\u0000${claims.nonce}`,
          claims.exp * 1000,
        );
        if (!fresh)
          throw fail('OIDC_NONCE_REPLAYED', '[identity/id-token] this nonce was already used');
      }
      return claims;
    },
  };
}
