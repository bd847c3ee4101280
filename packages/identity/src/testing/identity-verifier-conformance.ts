import { describe, expect, it } from 'vitest';
import type { IdentityVerifier } from '../ports.js';

/** A person the implementation under test must know (seeded by the factory). */
export interface IdentityRecord {
  individualId: string;
  claims: Record<string, unknown>;
}

const people: IdentityRecord[] = [
  {
    individualId: '7281940365',
    claims: {
      'name#en': 'Amina Diallo',
      'name#fr': 'Aminata Diallo',
      birthdate: '1990-04-12',
      phone_number: '+221770000001',
    },
  },
  { individualId: '5550199876', claims: { name: 'Sok Dara', birthdate: '1985-11-30' } },
];

/**
 * The behaviour every {@link IdentityVerifier} must have: yes only when every attribute
 * matches, a per-attribute answer of booleans only, no signal that a person is unknown,
 * validation of requests, and idempotence. `create` must return a verifier that knows exactly
 * `records`.
 *
 * @example
 * describeIdentityVerifierConformance('deterministic', (records) => createDeterministicIdentityVerifier(records));
 */
export function describeIdentityVerifierConformance(
  name: string,
  create: (records: IdentityRecord[]) => Promise<IdentityVerifier> | IdentityVerifier,
): void {
  describe(`IdentityVerifier conformance: ${name}`, () => {
    it('declares its port version', async () => {
      expect((await create(people)).specificationVersion).toBe('identity-verifier/v1');
    });

    it('says yes when every attribute matches (any language variant of a name)', async () => {
      const verifier = await create(people);
      await expect(
        verifier.verify({
          individualId: '7281940365',
          attributes: { name: 'Aminata Diallo', birthdate: '1990-04-12' },
        }),
      ).resolves.toEqual({ match: true, attributes: { name: true, birthdate: true } });
    });

    it('says no, per attribute, when one does not match', async () => {
      const verifier = await create(people);
      await expect(
        verifier.verify({
          individualId: '5550199876',
          attributes: { name: 'Sok Dara', birthdate: '1985-11-29' },
        }),
      ).resolves.toEqual({ match: false, attributes: { name: true, birthdate: false } });
    });

    it('answers an unknown person exactly like a mismatch', async () => {
      const verifier = await create(people);
      await expect(
        verifier.verify({
          individualId: 'no-such-person',
          attributes: { birthdate: '1990-04-12' },
        }),
      ).resolves.toEqual({
        match: false,
        attributes: { birthdate: false },
      });
    });

    it('refuses malformed requests with VALIDATION_FAILED', async () => {
      const verifier = await create(people);
      for (const request of [
        { individualId: '', attributes: { birthdate: '1990-04-12' } },
        { individualId: '7281940365', attributes: {} },
        { individualId: '7281940365', attributes: { birthdate: 19900412 } },
      ]) {
        await expect(verifier.verify(request as never)).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      }
    });

    it('is idempotent and leaks no stored values', async () => {
      const verifier = await create(people);
      const request = {
        individualId: '7281940365',
        attributes: { phone_number: '+221 77 000 00 01' },
      };
      const first = await verifier.verify(request);
      expect(await verifier.verify(request)).toEqual(first);
      expect(JSON.stringify(first)).not.toContain('221770000001');
    });
  });
}
