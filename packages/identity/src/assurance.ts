import { z } from 'zod';
import { fail } from './errors.js';

/**
 * Assurance levels, weakest first, aligned with eIDAS levels of assurance (low / substantial /
 * high) and, roughly, NIST IAL/AAL 1–3. `none` means nothing was asserted.
 */
export const assuranceLevels = ['none', 'low', 'substantial', 'high'] as const;
export const assuranceLevelSchema = z.enum(assuranceLevels);
export type AssuranceLevel = z.infer<typeof assuranceLevelSchema>;

/** How strongly a subject was verified, normalised from whatever scheme the source used. */
export const assuranceSchema = z.strictObject({
  level: assuranceLevelSchema,
  /** The raw OIDC `acr`, when there was one. */
  acr: z.string().optional(),
  /** The raw OIDC `amr` values, when there were any. */
  amr: z.array(z.string()).optional(),
  /** The raw vector of trust (`vot`), when there was one. */
  vot: z.string().optional(),
});
export type Assurance = z.infer<typeof assuranceSchema>;

/**
 * Default acr → level table: MOSIP eSignet (`mosip:idp:acr:*`), the GovStack spec's
 * `idbb:acr:*`, eIDAS LoA URIs and NIST 800-63 IAL/AAL names. Extend it per deployment with
 * `acrLevels` options.
 */
export const defaultAcrLevels: Readonly<Record<string, AssuranceLevel>> = {
  'mosip:idp:acr:static-code': 'low',
  'mosip:idp:acr:password': 'low',
  'mosip:idp:acr:generated-code': 'substantial',
  'mosip:idp:acr:linked-wallet': 'substantial',
  'mosip:idp:acr:knowledge': 'low',
  'mosip:idp:acr:biometrics': 'high',
  'mosip:idp:acr:biometrics-generated-code': 'high',
  'mosip:idp:acr:linked-wallet-static-code': 'substantial',
  'idbb:acr:static-code': 'low',
  'idbb:acr:generated-code': 'substantial',
  'idbb:acr:linked-wallet': 'substantial',
  'idbb:acr:biometrics': 'high',
  'idbb:acr:biometrics-generated-code': 'high',
  'idbb:acr:linked-wallet-static-code': 'substantial',
  'http://eidas.europa.eu/LoA/low': 'low',
  'http://eidas.europa.eu/LoA/substantial': 'substantial',
  'http://eidas.europa.eu/LoA/high': 'high',
  'urn:nist:800-63:ial1': 'low',
  'urn:nist:800-63:ial2': 'substantial',
  'urn:nist:800-63:ial3': 'high',
  'urn:nist:800-63:aal1': 'low',
  'urn:nist:800-63:aal2': 'substantial',
  'urn:nist:800-63:aal3': 'high',
  '0': 'none',
  '1': 'low',
  '2': 'substantial',
  '3': 'high',
};

/** Numeric rank of a level (`none` = 0 … `high` = 3). */
export function assuranceRank(level: AssuranceLevel): number {
  return assuranceLevels.indexOf(level);
}

/** The weaker of two levels. */
export function weakerLevel(left: AssuranceLevel, right: AssuranceLevel): AssuranceLevel {
  return assuranceRank(left) <= assuranceRank(right) ? left : right;
}

/**
 * Level of a vector of trust (RFC 8485), e.g. `P2.Cc.Ac`: identity proofing `P0`–`P3`, and
 * credential strength `Ca`–`Cd` (primary credential). The result is the weaker of the two; a
 * vector without a P or C component is `none`.
 */
export function levelOfVectorOfTrust(vot: string): AssuranceLevel {
  const components = vot.split('.');
  const proofing = components.find((component) => /^P[0-3]$/.test(component));
  const credentials = components.filter((component) => /^C[a-d]$/.test(component));
  if (proofing === undefined || credentials.length === 0) return 'none';
  const proofingLevel = assuranceLevels[Number(proofing[1])] as AssuranceLevel;
  const credentialRank = Math.max(
    ...credentials.map((component) => 'abcd'.indexOf(component[1] as string)),
  );
  const credentialLevel = (['none', 'low', 'substantial', 'high'] as const)[
    credentialRank
  ] as AssuranceLevel;
  return weakerLevel(proofingLevel, credentialLevel);
}

/**
 * Normalises what a token says about assurance. Unknown `acr` values are `none` (fail closed):
 * never guess upward.
 *
 * @example
 * normaliseAssurance({ acr: 'mosip:idp:acr:generated-code', amr: ['otp'] }); // { level: 'substantial', acr: …, amr: ['otp'] }
 * normaliseAssurance({ acr: 'urn:example:gold' }, { 'urn:example:gold': 'high' }).level; // 'high'
 */
export function normaliseAssurance(
  input: { acr?: unknown; amr?: unknown; vot?: unknown },
  acrLevels: Readonly<Record<string, AssuranceLevel>> = defaultAcrLevels,
): Assurance {
  const assurance: Assurance = { level: 'none' };
  let level: AssuranceLevel | undefined;
  if (typeof input.acr === 'string') {
    assurance.acr = input.acr;
    level = Object.hasOwn(acrLevels, input.acr) ? acrLevels[input.acr] : 'none';
  }
  if (Array.isArray(input.amr) && input.amr.every((value) => typeof value === 'string')) {
    assurance.amr = input.amr as string[];
  }
  if (typeof input.vot === 'string') {
    assurance.vot = input.vot;
    const votLevel = levelOfVectorOfTrust(input.vot);
    level = level === undefined ? votLevel : weakerLevel(level, votLevel);
  }
  assurance.level = level ?? 'none';
  return assurance;
}

/**
 * Fails closed: throws `ASSURANCE_INSUFFICIENT` when `actual` is below `required`.
 *
 * @example
 * requireAssurance(subject.assurance, 'substantial'); // throws for a static-PIN sign-in
 */
export function requireAssurance(actual: Assurance, required: AssuranceLevel | undefined): void {
  if (required === undefined) return;
  if (assuranceRank(actual.level) < assuranceRank(required)) {
    throw fail(
      'ASSURANCE_INSUFFICIENT',
      `[identity] the authentication reached assurance "${actual.level}" but "${required}" was required`,
    );
  }
}
