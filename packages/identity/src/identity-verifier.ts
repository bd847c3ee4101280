import { type AuditSink, parse } from '@govblocks/core';
import { z } from 'zod';
import type { AttributeMatchResult, IdentityVerifier } from './ports.js';

/** A yes/no attribute check: "is the person with this id born on 1990-04-12 and named Amina Diallo?" */
export const attributeMatchRequestSchema = z.strictObject({
  /** The person's identifier at the verifier (national id, or `sub`). */
  individualId: z.string().min(1).max(256),
  /** Claimed attribute values by OIDC claim name (`name`, `birthdate`, `phone_number`, …). */
  attributes: z
    .record(z.string().min(1).max(64), z.string().max(1024))
    .refine((value) => Object.keys(value).length > 0, {
      message: 'at least one attribute',
    }),
});
export type AttributeMatchRequest = z.infer<typeof attributeMatchRequestSchema>;

function normaliseText(value: string): string {
  return value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('und');
}

function normalisePhone(value: string): string {
  return value.replace(/[^\d+]/g, '');
}

function candidates(claims: Readonly<Record<string, unknown>>, name: string): string[] {
  // Own properties only: a claim named `__proto__` or `constructor` must not read the prototype.
  const values: unknown[] = Object.hasOwn(claims, name) ? [claims[name]] : [];
  for (const [key, value] of Object.entries(claims))
    if (key.startsWith(`${name}#`)) values.push(value);
  return values
    .filter((value): value is string => typeof value === 'string' || typeof value === 'number')
    .map(String);
}

/**
 * Compares claimed attributes with claims (as returned by a sign-in, language tags included):
 * case- and space-insensitive for text, digits-only for phone numbers, exact for everything
 * else that is not text (dates compare as strings).
 *
 * @example
 * matchClaims(subject.claims, { name: 'aminata  diallo', birthdate: '1990-04-12' }); // { match: true, … }
 */
export function matchClaims(
  claims: Readonly<Record<string, unknown>>,
  attributes: Readonly<Record<string, string>>,
): AttributeMatchResult {
  // Built from entries, not by assignment: an attribute named `__proto__` must become an own
  // property (assigning it would set the prototype, drop the attribute and report a match).
  const entries = Object.entries(attributes).map(([name, claimed]): [string, boolean] => {
    const normalise = name === 'phone_number' ? normalisePhone : normaliseText;
    const wanted = normalise(claimed);
    return [
      name,
      wanted.length > 0 && candidates(claims, name).some((value) => normalise(value) === wanted),
    ];
  });
  return {
    match: entries.length > 0 && entries.every(([, matched]) => matched),
    attributes: Object.fromEntries(entries),
  };
}

/**
 * An {@link IdentityVerifier} over OIDC claims: `resolve` returns the verified claims of a person
 * (e.g. from a sign-in kept in the application's session, or from a registry of verified subjects).
 *
 * @example
 * const verifier = createClaimsIdentityVerifier({ resolve: async (id) => (id === subject.subject ? subject.claims : undefined) });
 */
export function createClaimsIdentityVerifier(options: {
  resolve: (individualId: string) => Promise<Readonly<Record<string, unknown>> | undefined>;
  audit?: AuditSink;
}): IdentityVerifier {
  return {
    specificationVersion: 'identity-verifier/v1',
    async verify(input) {
      const request = parse(attributeMatchRequestSchema, input, '[identity/verifier] request');
      const claims = await options.resolve(request.individualId);
      const result =
        claims === undefined
          ? {
              match: false,
              attributes: Object.fromEntries(
                Object.keys(request.attributes).map((name) => [name, false]),
              ),
            }
          : matchClaims(claims, request.attributes);
      await options.audit?.record({
        block: 'identity',
        action: 'identity.attributes.checked',
        actor: { type: 'system', id: 'identity-verifier' },
        subject: { type: 'individual', id: request.individualId, personal: true },
        outcome: result.match ? 'success' : 'denied',
        details: { attributes: Object.keys(request.attributes).length },
      });
      return result;
    },
  };
}

/**
 * A deterministic {@link IdentityVerifier} over fixed records, for tests and demos: people are
 * found by `individualId` (or `sub`, or `individual_id` claim).
 *
 * @example
 * const verifier = createDeterministicIdentityVerifier([{ individualId: '7281940365', claims: { name: 'Amina Diallo' } }]);
 */
export function createDeterministicIdentityVerifier(
  records: ReadonlyArray<{ individualId: string; claims: Readonly<Record<string, unknown>> }>,
  options: { audit?: AuditSink } = {},
): IdentityVerifier {
  const byId = new Map(records.map((record) => [record.individualId, record.claims]));
  return createClaimsIdentityVerifier({ resolve: async (id) => byId.get(id), ...options });
}
