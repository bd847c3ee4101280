import { type Clock, ConfigurationError } from '@govblocks/core';
import { fail } from './errors.js';
import { createRemoteJwks } from './jwks.js';
import { checkAlgorithms, jwtDefaults, verifyJwt } from './jwt.js';
import type { KeySource, TokenVerifier } from './ports.js';

export interface TokenVerifierOptions {
  /** The authorization server's issuer identifier. */
  issuer: string;
  /** This resource server's identifier, expected in `aud`. */
  audience: string;
  /** The issuer's keys: a {@link KeySource}, or its `jwks_uri` (cached, rotated). */
  keys: KeySource | { jwksUri: string };
  /** Accepted algorithms. Default RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly string[];
  clockSkewSeconds?: number;
  maxTokenBytes?: number;
  clock?: Clock;
  fetch?: typeof fetch;
}

const requiredClaims = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'] as const;

/**
 * Creates a {@link TokenVerifier} for one issuer and one resource server.
 *
 * @example
 * const verifier = createTokenVerifier({ issuer, audience: 'https://registry.example.gov', keys: { jwksUri } });
 * const token = await verifier.verifyAuthorizationHeader(request.headers.get('authorization'), { requiredScopes: ['registry:read'] });
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  if (!options.issuer || !options.audience)
    throw new ConfigurationError('[identity/access-token] issuer and audience are required');
  const defaults = jwtDefaults(options);
  const keys =
    'getKey' in options.keys
      ? options.keys
      : createRemoteJwks({
          url: options.keys.jwksUri,
          clock: defaults.clock,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
  const check = {
    keys,
    algorithms: checkAlgorithms(
      options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'],
      '[identity/access-token]',
    ),
    issuer: options.issuer,
    audience: options.audience,
    requiredClaims,
    typ: 'at+jwt',
    component: 'access-token',
    ...defaults,
  };

  async function verify(token: string, verifyOptions: { requiredScopes?: readonly string[] } = {}) {
    const { payload } = await verifyJwt(token, check);
    if (typeof payload.sub !== 'string' || typeof payload.client_id !== 'string') {
      throw fail(
        'TOKEN_CLAIM_MISSING',
        '[identity/access-token] sub and client_id must be strings',
      );
    }
    const scopes =
      typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    for (const scope of verifyOptions.requiredScopes ?? []) {
      if (!scopes.includes(scope)) {
        throw fail(
          'TOKEN_SCOPE_INSUFFICIENT',
          `[identity/access-token] the token lacks the scope ${scope}`,
        );
      }
    }
    return {
      subject: payload.sub,
      clientId: payload.client_id,
      scopes,
      issuer: payload.iss as string,
      expiresAt: payload.exp as number,
      claims: payload,
    };
  }

  return {
    verify,
    verifyAuthorizationHeader(header, verifyOptions) {
      const match =
        typeof header === 'string' ? /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header) : null;
      if (match === null) {
        return Promise.reject(
          fail(
            'TOKEN_MALFORMED',
            '[identity/access-token] expected an Authorization: Bearer header',
          ),
        );
      }
      return verify(match[1] as string, verifyOptions);
    },
  };
}
