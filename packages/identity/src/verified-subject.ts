import { z } from 'zod';
import { assuranceSchema } from './assurance.js';

/** How the subject was verified, with enough detail to audit it later (never the raw tokens). */
export const evidenceSchema = z.strictObject({
  /** `oidc` for a sign-in, `sd-jwt-vc` for a credential presentation. */
  method: z.enum(['oidc', 'sd-jwt-vc']),
  /** The issuer that vouched for the subject (OIDC issuer or credential issuer). */
  issuer: z.string(),
  /** When the SDK verified it (ISO 8601 UTC). */
  verifiedAt: z.iso.datetime({ offset: false }),
  /** When the person authenticated at the provider (ISO 8601 UTC), when stated. */
  authenticatedAt: z.iso.datetime({ offset: false }).optional(),
  /** OIDC client the sign-in was for. */
  clientId: z.string().optional(),
  /** Where the claims came from: the ID token, the userinfo endpoint (and how it was protected), the credential. */
  claimSources: z.array(
    z.enum(['id_token', 'userinfo', 'userinfo_jws', 'userinfo_jwe', 'credential']),
  ),
  /** SD-JWT VC type (`vct`). */
  credentialType: z.string().optional(),
  /** Whether the presentation was bound to the holder's key (KB-JWT checked). */
  holderBound: z.boolean().optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * The one result of every way a person is verified — OIDC sign-in or SD-JWT VC presentation.
 * `claims` keep their names as the source gave them, including language tags (`name#fr`).
 */
export const verifiedSubjectSchema = z.strictObject({
  /** The stable identifier at the issuer (`sub`; a partner-specific token at eSignet). */
  subject: z.string().min(1),
  assurance: assuranceSchema,
  claims: z.record(z.string(), z.unknown()),
  evidence: evidenceSchema,
});
export type VerifiedSubject = z.infer<typeof verifiedSubjectSchema>;

/**
 * Reads a possibly language-tagged claim (`name#fr`, as eSignet returns with `claims_locales`),
 * trying `locales` in order, then the untagged claim, then any tagged variant.
 *
 * @example
 * localizedClaim(subject.claims, 'name', ['fr', 'en']); // → 'Jeanne Dupont'
 */
export function localizedClaim(
  claims: Readonly<Record<string, unknown>>,
  name: string,
  locales: readonly string[] = [],
): unknown {
  for (const locale of locales) {
    const value = claims[`${name}#${locale}`];
    if (value !== undefined) return value;
  }
  if (claims[name] !== undefined) return claims[name];
  const tagged = Object.keys(claims).find((key) => key.startsWith(`${name}#`));
  return tagged === undefined ? undefined : claims[tagged];
}
