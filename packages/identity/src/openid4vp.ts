import { randomBytes } from 'node:crypto';
import { type Clock, ConfigurationError, parse, systemClock } from '@govblocks/core';
import { z } from 'zod';
import { assuranceLevelSchema } from './assurance.js';
import { fail } from './errors.js';
import type { OpenId4VpVerifier } from './ports.js';
import { createSdJwtVcVerifier, type SdJwtVcVerifierOptions } from './sd-jwt.js';

/** What a verifier asks a wallet for: one SD-JWT VC of the given types, with these claims disclosed. */
export const presentationRequestSchema = z.strictObject({
  /** Accepted credential types (`vct`), e.g. `['urn:eudi:pid:1']`. */
  credentialTypes: z.array(z.string().min(1)).min(1),
  /** Top-level claims the holder must disclose. */
  claims: z.array(z.string().min(1)).min(1),
  requiredAssurance: assuranceLevelSchema.optional(),
});
export type PresentationRequest = z.input<typeof presentationRequestSchema>;

export interface OpenId4VpVerifierOptions {
  /**
   * This verifier's client identifier, with its OpenID4VP 1.0 prefix, e.g.
   * `redirect_uri:https://benefits.example.gov/vp/response`. Wallets bind presentations to it.
   */
  clientId: string;
  /** Where the wallet POSTs its response (`response_mode=direct_post`). */
  responseUri: string;
  /** Trust policy for credentials (the SD-JWT VC verifier's options, without `audience`). */
  credentials: Omit<SdJwtVcVerifierOptions, 'audience' | 'clock'>;
  /** How long a request stays answerable (seconds). Default 300. */
  sessionTtlSeconds?: number;
  clock?: Clock;
}

const credentialId = 'credential';

/**
 * Creates an {@link OpenId4VpVerifier}.
 *
 * @example
 * const vp = createOpenId4VpVerifier({ clientId: 'redirect_uri:https://svc.example/vp', responseUri: 'https://svc.example/vp', credentials: { trustedIssuers } });
 * const { url, session } = vp.createRequest({ credentialTypes: ['urn:eudi:pid:1'], claims: ['birthdate'] });
 * // show url as a QR code; on POST to responseUri:
 * const person = await vp.verifyResponse(session, await request.formData());
 */
export function createOpenId4VpVerifier(options: OpenId4VpVerifierOptions): OpenId4VpVerifier {
  if (!options.clientId || !URL.canParse(options.responseUri)) {
    throw new ConfigurationError(
      '[identity/openid4vp] clientId and a responseUri URL are required',
    );
  }
  const clock = options.clock ?? systemClock;
  const ttl = (options.sessionTtlSeconds ?? 300) * 1000;
  const credentials = createSdJwtVcVerifier({
    ...options.credentials,
    audience: options.clientId,
    clock,
  });

  return {
    createRequest(input) {
      const request = parse(presentationRequestSchema, input, '[identity/openid4vp] request');
      const state = randomBytes(24).toString('base64url');
      const nonce = randomBytes(24).toString('base64url');
      const dcqlQuery = {
        credentials: [
          {
            id: credentialId,
            format: 'dc+sd-jwt',
            meta: { vct_values: request.credentialTypes },
            claims: request.claims.map((claim) => ({ path: [claim] })),
          },
        ],
      };
      const url = new URL('openid4vp://');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('response_type', 'vp_token');
      url.searchParams.set('response_mode', 'direct_post');
      url.searchParams.set('response_uri', options.responseUri);
      url.searchParams.set('nonce', nonce);
      url.searchParams.set('state', state);
      url.searchParams.set('dcql_query', JSON.stringify(dcqlQuery));
      return {
        url,
        session: {
          state,
          nonce,
          claims: request.claims,
          credentialTypes: request.credentialTypes,
          createdAt: clock.now().getTime(),
          ...(request.requiredAssurance === undefined
            ? {}
            : { requiredAssurance: request.requiredAssurance }),
        },
      };
    },

    async verifyResponse(session, body) {
      const params = body instanceof URLSearchParams ? body : new URLSearchParams(body);
      if (clock.now().getTime() > session.createdAt + ttl) {
        throw fail(
          'OIDC_SESSION_INVALID',
          '[identity/openid4vp] the presentation request has expired',
        );
      }
      if (params.get('state') !== session.state) {
        throw fail(
          'OIDC_STATE_MISMATCH',
          "[identity/openid4vp] the response's state is not this request's",
        );
      }
      const error = params.get('error');
      if (error !== null)
        throw fail('OIDC_AUTHORIZATION_ERROR', `[identity/openid4vp] the wallet answered ${error}`);
      let presentations: unknown;
      try {
        presentations = (JSON.parse(params.get('vp_token') ?? '') as Record<string, unknown>)[
          credentialId
        ];
      } catch (cause) {
        throw fail(
          'SD_JWT_INVALID',
          '[identity/openid4vp] vp_token is not a DCQL presentation map',
          cause,
        );
      }
      if (
        !Array.isArray(presentations) ||
        presentations.length !== 1 ||
        typeof presentations[0] !== 'string'
      ) {
        throw fail(
          'SD_JWT_INVALID',
          '[identity/openid4vp] expected exactly one presentation of the requested credential',
        );
      }
      const subject = await credentials.verify(presentations[0], {
        nonce: session.nonce,
        requiredClaims: session.claims,
        ...(session.requiredAssurance === undefined
          ? {}
          : { requiredAssurance: session.requiredAssurance }),
      });
      if (!session.credentialTypes.includes(subject.evidence.credentialType ?? '')) {
        throw fail(
          'SD_JWT_INVALID',
          '[identity/openid4vp] the credential is not of a requested type',
        );
      }
      return subject;
    },
  };
}
