import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type Actor, type ActorContext, actorSchema } from '../actor.js';
import {
  ConfigurationError,
  ForbiddenError,
  isGovBlocksError,
  UnauthorizedError,
  UnavailableError,
} from '../errors.js';
import type { HttpContext, HttpEnv } from './context.js';

/** One accepted API key and the actor it stands for. */
export interface ApiKeyEntry {
  /** The secret. Compared in constant time; never logged. */
  key: string;
  /** Stable id of the calling system (not the key itself), e.g. `registry-frontend`. */
  id: string;
  roles?: string[];
  /** Defaults to `service`. */
  type?: Actor['type'];
}

export interface ApiKeyOptions {
  /**
   * Request headers that may carry the key, tried in order. Default `['X-API-Key']`.
   * GovStack APIs use `apiKey` or `api_key` (messaging's tests): list them here.
   */
  headers?: string[];
  keys: ApiKeyEntry[];
}

export interface JwtOptions {
  /** The issuer's JWKS endpoint (keys are fetched and cached). Give this or `keys`. */
  jwksUrl?: string | URL;
  /** A fixed key set (or a custom jose key resolver). Give this or `jwksUrl`. */
  keys?: JSONWebKeySet | JWTVerifyGetKey;
  /** Required `iss`. */
  issuer: string | string[];
  /** Required `aud`. */
  audience: string | string[];
  /** Accepted signature algorithms. Default `['RS256', 'PS256', 'ES256', 'EdDSA']`. */
  algorithms?: string[];
  /** Allowed clock skew in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** Maps verified claims to the actor. Default: {@link actorFromClaims}. */
  toActor?: (claims: JWTPayload) => Actor;
}

/**
 * Bearer tokens checked by your own verifier, e.g. `@govblocks/identity`'s RFC 9068
 * `TokenVerifier` (typ `at+jwt`, scopes). It resolves to the verified claims or throws: a
 * govblocks error with status 503 (issuer unreachable) passes through, anything else is a 401.
 */
export interface BearerVerifierOptions {
  verify: (token: string) => Promise<JWTPayload>;
  /** Maps verified claims to the actor. Default: {@link actorFromClaims}. */
  toActor?: (claims: JWTPayload) => Actor;
}

export interface AuthOptions {
  apiKeys?: ApiKeyOptions;
  jwt?: JwtOptions;
  /** A custom bearer-token verifier instead of `jwt` (not both). */
  bearer?: BearerVerifierOptions;
  /**
   * `required` (default): a request without a valid credential is refused with 401.
   * `optional`: a request without any credential passes with no actor; a wrong one is still refused.
   */
  mode?: 'required' | 'optional';
  /**
   * Explicit development mode, for laptops and GovStack's published tests: allowed only when no
   * credentials are configured. Any credential that is *present* (an API key header or a bearer
   * token) is accepted without checking, as a `development` actor; a request with none is still
   * refused in `required` mode. Prints a loud warning once per process.
   */
  development?: boolean | { roles?: string[] };
  /** Where the development-mode warning goes. Default `console.warn`. */
  warn?: (message: string) => void;
  /** Paths that skip authentication (exact match). `/health` is always public in `createHttpApp`. */
  publicPaths?: string[];
}

const defaultAlgorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
let developmentWarned = false;
/**
 * What jose throws when the JWKS endpoint cannot be read: a fetch failure (no code), a non-200
 * answer (`ERR_JOSE_GENERIC`) or a body that is not a key set (`ERR_JWKS_INVALID`).
 */
const issuerUnreachableCodes = new Set<unknown>([
  undefined,
  'ERR_JOSE_GENERIC',
  'ERR_JWKS_INVALID',
]);

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Finds the entry whose key equals `presented`, comparing every key in constant time. */
function matchApiKey(
  entries: readonly { digest: Buffer; entry: ApiKeyEntry }[],
  presented: string,
): ApiKeyEntry | undefined {
  const presentedDigest = digest(presented);
  let found: ApiKeyEntry | undefined;
  for (const candidate of entries) {
    // No early exit: the time taken does not tell which key (or whether any) matched.
    if (timingSafeEqual(candidate.digest, presentedDigest) && found === undefined)
      found = candidate.entry;
  }
  return found;
}

/**
 * The default claims → actor mapping: `sub` is the actor (or, with an RFC 8693 `act` claim,
 * `act.sub` acts on behalf of `sub`); roles from `roles`, `realm_access.roles` or the
 * space-separated `scope`; client from `azp` or `client_id`. Type `person` unless the token says
 * `actor_type`, or it is a client-credentials token (`sub` equals the client id) → `service`.
 */
export function actorFromClaims(claims: JWTPayload): Actor {
  const record = claims as Record<string, unknown>;
  const stringArray = (value: unknown) =>
    Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string' && item !== '')
      : undefined;
  const realmRoles = stringArray((record.realm_access as { roles?: unknown } | undefined)?.roles);
  const scopeRoles =
    typeof record.scope === 'string' ? record.scope.split(' ').filter(Boolean) : undefined;
  const roles = stringArray(record.roles) ?? realmRoles ?? scopeRoles ?? [];
  const clientId =
    typeof record.azp === 'string'
      ? record.azp
      : typeof record.client_id === 'string'
        ? record.client_id
        : undefined;
  const act = record.act as { sub?: unknown } | undefined;
  const subject = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined;
  if (!subject)
    throw new UnauthorizedError('The token has no subject', {
      extensions: { challenge: bearerChallenge('invalid_token') },
    });
  const actorType = actorSchema.shape.type.safeParse(record.actor_type);
  const type = actorType.success
    ? actorType.data
    : clientId !== undefined && clientId === subject
      ? 'service'
      : 'person';
  const actor: Actor = { type, id: subject, roles: roles.slice(0, 64) };
  if (typeof act?.sub === 'string' && act.sub !== '') {
    actor.id = act.sub;
    actor.onBehalfOf = subject;
  }
  if (clientId) actor.clientId = clientId;
  return actor;
}

function bearerChallenge(error?: string): string {
  return error ? `Bearer error="${error}"` : 'Bearer';
}

function unauthorized(message: string, challenge: string): UnauthorizedError {
  return new UnauthorizedError(message, { extensions: { challenge } });
}

/**
 * Authentication middleware: API keys and/or bearer JWTs (jose; JWKS URL or key set) → an
 * {@link ActorContext} on `c.get('actor')`, carrying the request and correlation ids. Options are
 * checked here, once: configuring nothing without `development: true` is a ConfigurationError.
 *
 * @example
 * app.use('*', authenticate({ apiKeys: { headers: ['apiKey', 'api_key'], keys: [{ key: secret, id: 'portal' }] } }));
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<HttpEnv> {
  const configured =
    Boolean(options.apiKeys?.keys.length) || Boolean(options.jwt) || Boolean(options.bearer);
  if (configured && options.development) {
    throw new ConfigurationError(
      '[core/http] development mode cannot be combined with configured credentials',
    );
  }
  if (!configured && !options.development) {
    throw new ConfigurationError(
      '[core/http] no credentials configured: give apiKeys or jwt, or set development: true explicitly',
    );
  }
  if (options.apiKeys?.keys.some((entry) => entry.key.length < 16)) {
    throw new ConfigurationError('[core/http] API keys must be at least 16 characters');
  }
  const mode = options.mode ?? 'required';
  const apiKeyHeaders = (options.apiKeys?.headers ?? ['X-API-Key']).map((name) =>
    name.toLowerCase(),
  );
  const keyEntries = (options.apiKeys?.keys ?? []).map((entry) => ({
    digest: digest(entry.key),
    entry,
  }));
  const publicPaths = new Set(options.publicPaths ?? []);
  const jwt = options.jwt;
  let keySet: JWTVerifyGetKey | undefined;
  if (jwt && options.bearer)
    throw new ConfigurationError('[core/http] configure jwt or bearer, not both');
  if (jwt) {
    if (!jwt.jwksUrl === !jwt.keys)
      throw new ConfigurationError('[core/http] jwt needs exactly one of jwksUrl or keys');
    keySet = jwt.jwksUrl
      ? createRemoteJWKSet(new URL(jwt.jwksUrl))
      : typeof jwt.keys === 'function'
        ? jwt.keys
        : createLocalJWKSet(jwt.keys as JSONWebKeySet);
  }
  const developmentRoles =
    typeof options.development === 'object' ? (options.development.roles ?? []) : [];
  if (options.development && !developmentWarned) {
    developmentWarned = true;
    (options.warn ?? console.warn)(
      [
        '',
        '!!! govblocks HTTP DEVELOPMENT MODE: no credentials are configured.',
        '!!! Any API key or bearer token that is present is accepted WITHOUT CHECKING.',
        '!!! Never run this way in production: configure API keys or a JWKS issuer.',
        '',
      ].join('\n'),
    );
  }

  const context = (c: HttpContext, actor: Actor): ActorContext => ({
    actor: {
      ...actor,
      ...(actor.clientId === undefined && c.var.informationMediatorClient
        ? { clientId: c.var.informationMediatorClient }
        : {}),
    },
    requestId: c.var.requestId,
    correlationId: c.var.correlationId,
  });

  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    const authorization = c.req.header('authorization');
    const bearer = authorization?.match(/^Bearer[ ]+([^ ]+)[ ]*$/i)?.[1];
    let presentedKey: string | undefined;
    for (const name of apiKeyHeaders) {
      const value = c.req.header(name);
      if (value !== undefined && value !== '') {
        presentedKey = value;
        break;
      }
    }

    if (options.development) {
      if (bearer === undefined && presentedKey === undefined) {
        if (mode === 'optional') return next();
        throw unauthorized('A credential is required', bearerChallenge());
      }
      let id = 'development';
      if (bearer) {
        try {
          const sub = decodeJwt(bearer).sub;
          if (typeof sub === 'string' && sub !== '') id = sub;
        } catch {
          // Not a JWT: any bearer value is accepted in development mode.
        }
      }
      c.set('actor', context(c, { type: 'service', id, roles: [...developmentRoles] }));
      return next();
    }

    if (bearer !== undefined && jwt && keySet) {
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(bearer, keySet, {
          issuer: jwt.issuer,
          audience: jwt.audience,
          algorithms: jwt.algorithms ?? defaultAlgorithms,
          clockTolerance: jwt.clockToleranceSeconds ?? 30,
        }));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'ERR_JWKS_TIMEOUT' || (jwt.jwksUrl && issuerUnreachableCodes.has(code))) {
          throw new UnavailableError('[core/http] the token issuer could not be reached', {
            retryAfterSeconds: 5,
          });
        }
        throw unauthorized('The bearer token is not valid', bearerChallenge('invalid_token'));
      }
      const actor = actorSchema.safeParse((jwt.toActor ?? actorFromClaims)(claims));
      if (!actor.success)
        throw unauthorized(
          'The token does not name a valid actor',
          bearerChallenge('invalid_token'),
        );
      c.set('actor', context(c, actor.data));
      return next();
    }

    if (bearer !== undefined && options.bearer) {
      let claims: JWTPayload;
      try {
        claims = await options.bearer.verify(bearer);
      } catch (error) {
        if (isGovBlocksError(error) && error.status === 503) throw error;
        throw unauthorized('The bearer token is not valid', bearerChallenge('invalid_token'));
      }
      const actor = actorSchema.safeParse((options.bearer.toActor ?? actorFromClaims)(claims));
      if (!actor.success)
        throw unauthorized(
          'The token does not name a valid actor',
          bearerChallenge('invalid_token'),
        );
      c.set('actor', context(c, actor.data));
      return next();
    }

    if (presentedKey !== undefined && keyEntries.length > 0) {
      const entry = matchApiKey(keyEntries, presentedKey);
      if (!entry) throw unauthorized('The API key is not valid', 'ApiKey');
      c.set(
        'actor',
        context(c, {
          type: entry.type ?? 'service',
          id: entry.id,
          roles: [...(entry.roles ?? [])],
        }),
      );
      return next();
    }

    if (bearer !== undefined || presentedKey !== undefined) {
      // A credential of a kind this server does not accept.
      throw unauthorized(
        'This credential type is not accepted',
        jwt ? bearerChallenge('invalid_token') : 'ApiKey',
      );
    }
    if (mode === 'optional') return next();
    throw unauthorized('A credential is required', jwt ? bearerChallenge() : 'ApiKey');
  };
}

/**
 * The acting {@link ActorContext} of an authenticated request; throws 401 for anonymous ones.
 *
 * @example
 * const record = await service.create(input, actorOf(c));
 */
export function actorOf(c: HttpContext): ActorContext {
  const actor = c.get('actor');
  if (!actor) throw unauthorized('A credential is required', 'Bearer');
  return actor;
}

/**
 * Middleware refusing (403) actors without any of `roles`.
 *
 * @example
 * app.post('/payments/batches', requireRole('payments.operator'), handler);
 */
export function requireRole(...roles: string[]): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const actor = actorOf(c);
    if (!roles.some((role) => actor.actor.roles.includes(role))) {
      throw new ForbiddenError(`This operation needs one of the roles: ${roles.join(', ')}`);
    }
    return next();
  };
}

/** For tests: lets the development-mode warning print again. */
export function resetDevelopmentWarning(): void {
  developmentWarned = false;
}
