import { type Clock, ConfigurationError, systemClock } from '@govblocks/core';
import { errors, type JWTHeaderParameters, type JWTPayload, jwtVerify } from 'jose';
import { fail, isIdentityError } from './errors.js';
import type { KeySource } from './ports.js';

/**
 * Asymmetric JWS algorithms the SDK accepts. `none` and the HMAC family are never accepted for
 * tokens from an issuer: with HS256 a public key becomes a shared secret (algorithm confusion).
 */
export const asymmetricSigningAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export type SigningAlgorithm = (typeof asymmetricSigningAlgorithms)[number];

/** Three base64url segments separated by dots (the signature may be empty: refused later by alg). */
export const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Default largest token accepted (bytes). eSignet tokens are a few KiB. */
export const defaultMaxTokenBytes = 16 * 1024;

export interface JwtCheckOptions {
  keys: KeySource;
  algorithms: readonly string[];
  issuer: string;
  /** Expected audience (one of `aud`). Omit to skip the audience check (userinfo without `aud`). */
  audience?: string | undefined;
  clockSkewSeconds: number;
  maxTokenBytes: number;
  clock: Clock;
  /** Claims that must be present. */
  requiredClaims: readonly string[];
  /** Expected JOSE `typ` (compared case-insensitively, `application/` prefix optional). */
  typ?: string | undefined;
  /** Used in error messages: `id-token`, `access-token`, `userinfo`. */
  component: string;
}

/** Rejects algorithm lists that would open the door to `none` or HMAC confusion. */
export function checkAlgorithms(algorithms: readonly string[], what: string): string[] {
  if (algorithms.length === 0)
    throw new ConfigurationError(`${what}: the algorithm allow-list is empty`);
  for (const algorithm of algorithms) {
    if (!(asymmetricSigningAlgorithms as readonly string[]).includes(algorithm)) {
      throw new ConfigurationError(
        `${what}: algorithm ${algorithm} is not an asymmetric JWS algorithm`,
      );
    }
  }
  return [...algorithms];
}

function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Decodes the protected header of a syntactically valid compact JWS (alg required, kid optional). */
function protectedHeaderOf(
  token: string,
  where: string,
): { alg: string; kid?: string | undefined } {
  const encoded = token.slice(0, token.indexOf('.'));
  // Tokens of one issuer share a handful of headers: decode each once.
  const cached = headerCache.get(encoded);
  if (cached !== undefined) return cached;
  const decoded = decodeHeader(encoded, where);
  if (headerCache.size >= 256) headerCache.delete(headerCache.keys().next().value as string);
  headerCache.set(encoded, decoded);
  return decoded;
}

const headerCache = new Map<string, { alg: string; kid?: string | undefined }>();

function decodeHeader(encoded: string, where: string): { alg: string; kid?: string | undefined } {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (error) {
    throw fail('TOKEN_MALFORMED', `${where} the token header is not JSON`, error);
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    typeof (header as { alg?: unknown }).alg !== 'string'
  ) {
    throw fail('TOKEN_MALFORMED', `${where} the token header has no alg`);
  }
  const { alg, kid } = header as { alg: string; kid?: unknown };
  return { alg, kid: typeof kid === 'string' ? kid : undefined };
}

/** Maps what `jose` throws to the package's typed errors. */
export function mapJoseError(error: unknown, component: string): Error {
  if (isIdentityError(error)) return error;
  const where = `[identity/${component}]`;
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return fail(
      'TOKEN_ALGORITHM_NOT_ALLOWED',
      `${where} the token's algorithm is not allowed`,
      error,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return fail('TOKEN_SIGNATURE_INVALID', `${where} the signature does not verify`, error);
  }
  if (error instanceof errors.JWTExpired)
    return fail('TOKEN_EXPIRED', `${where} the token has expired`, error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') {
      return fail('TOKEN_CLAIM_MISSING', `${where} the "${error.claim}" claim is missing`, error);
    }
    switch (error.claim) {
      case 'iss':
        return fail('TOKEN_ISSUER_MISMATCH', `${where} unexpected issuer`, error);
      case 'aud':
        return fail('TOKEN_AUDIENCE_MISMATCH', `${where} unexpected audience`, error);
      case 'nbf':
        return fail('TOKEN_NOT_YET_VALID', `${where} the token is not valid yet (nbf)`, error);
      case 'iat':
        return fail(
          'TOKEN_ISSUED_IN_FUTURE',
          `${where} the token is issued in the future (iat)`,
          error,
        );
      default:
        return fail('TOKEN_CLAIM_MISSING', `${where} the "${error.claim}" claim is invalid`, error);
    }
  }
  if (error instanceof errors.JOSENotSupported) {
    return fail(
      'TOKEN_ALGORITHM_NOT_ALLOWED',
      `${where} unsupported token algorithm or key`,
      error,
    );
  }
  if (
    error instanceof errors.JOSEError ||
    error instanceof TypeError ||
    error instanceof SyntaxError
  ) {
    return fail('TOKEN_MALFORMED', `${where} the token is malformed`, error);
  }
  return fail('TOKEN_MALFORMED', `${where} the token could not be verified`, error);
}

/**
 * Verifies a compact JWS: size, algorithm allow-list, key (by `kid`), signature, `typ`, `iss`,
 * `aud`, `exp`/`nbf`/`iat` with skew, presence of required claims. Every failure is an
 * {@link IdentityError}.
 */
export async function verifyJwt(
  token: string,
  options: JwtCheckOptions,
): Promise<{ payload: JWTPayload; header: JWTHeaderParameters }> {
  const where = `[identity/${options.component}]`;
  if (typeof token !== 'string' || token.length === 0)
    throw fail('TOKEN_MALFORMED', `${where} no token`);
  if (token.length > options.maxTokenBytes)
    throw fail('TOKEN_TOO_LARGE', `${where} the token is too large`);
  // Strict compact serialization: base64url only. (Lenient decoders skip stray characters, so
  // " abc" and "abc" would otherwise verify alike.)
  if (!compactJws.test(token)) throw fail('TOKEN_MALFORMED', `${where} not a compact JWS`);
  const now = options.clock.now();
  // Resolve the key before calling jose: the allow-list is checked before any JWKS lookup (an
  // `alg: none` token with a fresh kid must not trigger a refetch), and jose's key-function
  // path costs measurably more than passing the key.
  const header = protectedHeaderOf(token, where);
  if (!options.algorithms.includes(header.alg)) {
    throw fail('TOKEN_ALGORITHM_NOT_ALLOWED', `${where} the token's algorithm is not allowed`);
  }
  const key = await options.keys.getKey({ alg: header.alg, kid: header.kid });
  let result: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    result = await jwtVerify(token, key, {
      algorithms: options.algorithms as string[],
      issuer: options.issuer,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      clockTolerance: options.clockSkewSeconds,
      currentDate: now,
    });
  } catch (error) {
    throw mapJoseError(error, options.component);
  }
  for (const claim of options.requiredClaims) {
    if (result.payload[claim] === undefined) {
      throw fail('TOKEN_CLAIM_MISSING', `${where} the "${claim}" claim is missing`);
    }
  }
  const { payload, protectedHeader } = result;
  if (options.typ !== undefined) {
    if (
      typeof protectedHeader.typ !== 'string' ||
      normaliseTyp(protectedHeader.typ) !== normaliseTyp(options.typ)
    ) {
      throw fail('TOKEN_TYPE_INVALID', `${where} the token type must be ${options.typ}`);
    }
  }
  if (
    typeof payload.iat === 'number' &&
    payload.iat > now.getTime() / 1000 + options.clockSkewSeconds
  ) {
    throw fail('TOKEN_ISSUED_IN_FUTURE', `${where} the token is issued in the future (iat)`);
  }
  return { payload, header: protectedHeader };
}

/** Shared defaults for the verifier factories. */
export function jwtDefaults(options: {
  clock?: Clock | undefined;
  clockSkewSeconds?: number | undefined;
  maxTokenBytes?: number | undefined;
}) {
  const clockSkewSeconds = options.clockSkewSeconds ?? 30;
  if (!(clockSkewSeconds >= 0 && clockSkewSeconds <= 300)) {
    throw new ConfigurationError('[identity] clockSkewSeconds must be between 0 and 300');
  }
  return {
    clock: options.clock ?? systemClock,
    clockSkewSeconds,
    maxTokenBytes: options.maxTokenBytes ?? defaultMaxTokenBytes,
  };
}
