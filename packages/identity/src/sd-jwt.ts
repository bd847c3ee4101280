import { createHash } from 'node:crypto';
import { type Clock, ConfigurationError } from '@govblocks/core';
import { createHashMapping, decodeJwt, decodeSdJwt, unpack } from '@sd-jwt/decode';
import { calculateJwkThumbprintUri, importJWK, type JWK, jwtVerify } from 'jose';
import { type AssuranceLevel, assuranceRank, requireAssurance } from './assurance.js';
import { fail, isIdentityError } from './errors.js';
import { createRemoteJwks } from './jwks.js';
import { checkAlgorithms, compactJws, jwtDefaults, verifyJwt } from './jwt.js';
import type { KeySource, NonceReplayCache, SdJwtVcVerifier } from './ports.js';

/** An issuer whose SD-JWT VCs this verifier accepts. */
export interface TrustedCredentialIssuer {
  /** The issuer's keys: a {@link KeySource} or its JWKS URL. */
  keys: KeySource | { jwksUri: string };
  /** The assurance its credentials carry (e.g. `high` for a national PID issuer). */
  assurance: AssuranceLevel;
  /** Accepted `vct` values; any when omitted. */
  credentialTypes?: readonly string[];
}

export interface SdJwtVcVerifierOptions {
  /** Trusted issuers by `iss`. Credentials from any other issuer are refused. */
  trustedIssuers: Readonly<Record<string, TrustedCredentialIssuer>>;
  /** This verifier's identifier, expected as the key-binding JWT's `aud`. */
  audience: string;
  /** Require a key-binding JWT (holder proof). Default true; without it the level is capped at `low`. */
  requireKeyBinding?: boolean;
  /** Accepted JWS algorithms for issuer and holder signatures. Default ES256, EdDSA, RS256, PS256. */
  algorithms?: readonly string[];
  /** Oldest key-binding JWT accepted (seconds since its `iat`). Default 300. */
  maxKeyBindingAgeSeconds?: number;
  clockSkewSeconds?: number;
  /** Largest presentation accepted (bytes). Default 64 KiB. */
  maxTokenBytes?: number;
  /** Makes each KB nonce single-use. */
  replayCache?: NonceReplayCache;
  clock?: Clock;
  fetch?: typeof fetch;
}

const hashNames: Record<string, string> = {
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

function hasher(data: string | ArrayBuffer, alg: string): Uint8Array {
  const name = hashNames[alg.toLowerCase()];
  if (name === undefined)
    throw fail('SD_JWT_INVALID', `[identity/sd-jwt] unsupported _sd_alg ${alg}`);
  return createHash(name)
    .update(typeof data === 'string' ? data : Buffer.from(data))
    .digest();
}

const credentialClaims = new Set([
  'iss',
  'iat',
  'exp',
  'nbf',
  'cnf',
  'vct',
  'vct#integrity',
  'status',
  '_sd_alg',
  'sub',
]);

/**
 * Creates an SD-JWT VC verifier. Parsing, disclosure hashing and claim reconstruction come
 * from `@sd-jwt/decode`; signatures, key binding and policy are checked here with `jose`.
 *
 * @example
 * const verifier = createSdJwtVcVerifier({
 *   audience: 'https://benefits.example.gov',
 *   trustedIssuers: { 'https://pid.example.gov': { keys: { jwksUri: 'https://pid.example.gov/jwks' }, assurance: 'high' } },
 * });
 * const subject = await verifier.verify(presentation, { nonce });
 */
export function createSdJwtVcVerifier(options: SdJwtVcVerifierOptions): SdJwtVcVerifier {
  if (!options.audience) throw new ConfigurationError('[identity/sd-jwt] audience is required');
  const defaults = jwtDefaults({ ...options, maxTokenBytes: options.maxTokenBytes ?? 64 * 1024 });
  const algorithms = checkAlgorithms(
    options.algorithms ?? ['ES256', 'EdDSA', 'RS256', 'PS256'],
    '[identity/sd-jwt]',
  );
  const requireKeyBinding = options.requireKeyBinding ?? true;
  const maxKeyBindingAgeSeconds = options.maxKeyBindingAgeSeconds ?? 300;
  const issuers = new Map(
    Object.entries(options.trustedIssuers).map(([issuer, trusted]) => [
      issuer,
      {
        ...trusted,
        keys:
          'getKey' in trusted.keys
            ? trusted.keys
            : createRemoteJwks({
                url: trusted.keys.jwksUri,
                clock: defaults.clock,
                ...(options.fetch ? { fetch: options.fetch } : {}),
              }),
      },
    ]),
  );
  if (issuers.size === 0)
    throw new ConfigurationError('[identity/sd-jwt] at least one trusted issuer is required');

  async function checkKeyBinding(
    kbJwt: string,
    presentation: string,
    cnf: unknown,
    sdAlg: string,
    nonce: string,
  ): Promise<void> {
    const jwk = (cnf as { jwk?: JWK } | undefined)?.jwk;
    if (jwk === undefined || typeof jwk !== 'object') {
      throw fail(
        'SD_JWT_KEY_BINDING_INVALID',
        '[identity/sd-jwt] the credential has no holder key (cnf.jwk)',
      );
    }
    if (!compactJws.test(kbJwt))
      throw fail(
        'SD_JWT_KEY_BINDING_INVALID',
        '[identity/sd-jwt] the key-binding JWT is malformed',
      );
    let payload: Record<string, unknown>;
    try {
      const result = await jwtVerify(kbJwt, async (header) => importJWK(jwk, header.alg), {
        algorithms,
        typ: 'kb+jwt',
        currentDate: defaults.clock.now(),
        clockTolerance: defaults.clockSkewSeconds,
      });
      payload = result.payload as Record<string, unknown>;
    } catch (error) {
      throw fail(
        'SD_JWT_KEY_BINDING_INVALID',
        '[identity/sd-jwt] the key-binding JWT does not verify with the holder key',
        error,
      );
    }
    const now = defaults.clock.now().getTime() / 1000;
    if (
      typeof payload.iat !== 'number' ||
      payload.iat > now + defaults.clockSkewSeconds ||
      payload.iat < now - maxKeyBindingAgeSeconds - defaults.clockSkewSeconds
    ) {
      throw fail(
        'SD_JWT_KEY_BINDING_INVALID',
        '[identity/sd-jwt] the key-binding JWT is too old or from the future',
      );
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(options.audience)) {
      throw fail(
        'SD_JWT_KEY_BINDING_AUDIENCE_MISMATCH',
        '[identity/sd-jwt] the presentation is for another verifier',
      );
    }
    if (payload.nonce !== nonce) {
      throw fail(
        'SD_JWT_KEY_BINDING_NONCE_MISMATCH',
        "[identity/sd-jwt] the presentation's nonce is not this request's",
      );
    }
    const expected = Buffer.from(
      hasher(presentation.slice(0, presentation.length - kbJwt.length), sdAlg),
    ).toString('base64url');
    if (payload.sd_hash !== expected) {
      throw fail(
        'SD_JWT_KEY_BINDING_INVALID',
        '[identity/sd-jwt] sd_hash does not match the presented credential',
      );
    }
    if (options.replayCache !== undefined) {
      const fresh = await options.replayCache.remember(
        `kb\u0000${nonce}`,
        (now + maxKeyBindingAgeSeconds) * 1000,
      );
      if (!fresh)
        throw fail(
          'SD_JWT_KEY_BINDING_NONCE_MISMATCH',
          '[identity/sd-jwt] this nonce was already used',
        );
    }
  }

  return {
    async verify(presentation, expectations) {
      if (typeof presentation !== 'string' || !presentation.includes('~')) {
        throw fail('SD_JWT_INVALID', '[identity/sd-jwt] not an SD-JWT presentation');
      }
      if (presentation.length > defaults.maxTokenBytes)
        throw fail('TOKEN_TOO_LARGE', '[identity/sd-jwt] the presentation is too large');
      const parts = presentation.split('~');
      const issuerJwt = parts[0] as string;
      const kbJwt = parts.at(-1) ?? '';
      let iss: unknown;
      try {
        iss = decodeJwt(issuerJwt).payload.iss;
      } catch (error) {
        throw fail('SD_JWT_INVALID', '[identity/sd-jwt] the issuer JWT is malformed', error);
      }
      const trusted = typeof iss === 'string' ? issuers.get(iss) : undefined;
      if (trusted === undefined || typeof iss !== 'string') {
        throw fail(
          'TOKEN_ISSUER_MISMATCH',
          '[identity/sd-jwt] the credential issuer is not trusted',
        );
      }
      const { payload, header } = await verifyJwt(issuerJwt, {
        keys: trusted.keys,
        algorithms,
        issuer: iss,
        requiredClaims: ['iss', 'vct'],
        component: 'sd-jwt',
        ...defaults,
      });
      if (header.typ !== 'dc+sd-jwt' && header.typ !== 'vc+sd-jwt') {
        throw fail('TOKEN_TYPE_INVALID', '[identity/sd-jwt] the credential type must be dc+sd-jwt');
      }
      const vct = payload.vct as string;
      if (trusted.credentialTypes !== undefined && !trusted.credentialTypes.includes(vct)) {
        throw fail(
          'SD_JWT_INVALID',
          '[identity/sd-jwt] this issuer is not trusted for this credential type',
        );
      }
      const sdAlg = typeof payload._sd_alg === 'string' ? payload._sd_alg : 'sha-256';

      let unpacked: Record<string, unknown>;
      try {
        const decoded = await decodeSdJwt(presentation, hasher);
        const mapping = await createHashMapping(decoded.disclosures, { hasher, alg: sdAlg });
        if (Object.keys(mapping).length !== decoded.disclosures.length) {
          throw fail('SD_JWT_DISCLOSURE_INVALID', '[identity/sd-jwt] a disclosure is repeated');
        }
        const result = await unpack(
          payload as Record<string, unknown>,
          decoded.disclosures,
          hasher,
        );
        const used = new Set(Object.values(result.disclosureKeymap));
        if (Object.keys(mapping).some((digest) => !used.has(digest))) {
          throw fail(
            'SD_JWT_DISCLOSURE_INVALID',
            '[identity/sd-jwt] a disclosure does not match any digest in the credential',
          );
        }
        unpacked = result.unpackedObj as Record<string, unknown>;
      } catch (error) {
        if (isIdentityError(error)) throw error;
        throw fail(
          'SD_JWT_DISCLOSURE_INVALID',
          '[identity/sd-jwt] the disclosures are malformed',
          error,
        );
      }

      let level = trusted.assurance;
      const holderBound = kbJwt.length > 0;
      if (holderBound) {
        await checkKeyBinding(kbJwt, presentation, payload.cnf, sdAlg, expectations.nonce);
      } else if (requireKeyBinding) {
        throw fail(
          'SD_JWT_KEY_BINDING_MISSING',
          '[identity/sd-jwt] the presentation has no key-binding JWT',
        );
      } else if (assuranceRank(level) > assuranceRank('low')) {
        level = 'low';
      }
      const assurance = { level };
      requireAssurance(assurance, expectations.requiredAssurance);

      const claims: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(unpacked))
        if (!credentialClaims.has(name)) claims[name] = value;
      for (const name of expectations.requiredClaims ?? []) {
        if (claims[name] === undefined)
          throw fail(
            'TOKEN_CLAIM_MISSING',
            `[identity/sd-jwt] the claim ${name} was not disclosed`,
          );
      }
      let subject = typeof payload.sub === 'string' ? payload.sub : undefined;
      const jwk = (payload.cnf as { jwk?: JWK } | undefined)?.jwk;
      if (subject === undefined && jwk !== undefined)
        subject = await calculateJwkThumbprintUri(jwk);
      if (subject === undefined)
        throw fail(
          'SD_JWT_INVALID',
          '[identity/sd-jwt] the credential names no subject or holder key',
        );
      return {
        subject,
        assurance,
        claims,
        evidence: {
          method: 'sd-jwt-vc',
          issuer: iss,
          verifiedAt: defaults.clock.now().toISOString(),
          claimSources: ['credential'],
          credentialType: vct,
          holderBound,
        },
      };
    },
  };
}
