import type { ActorContext } from '@govblocks/core';
import type { ConsentService } from '../ports.js';
import { type GovstackFixture, govstackExampleFixtures } from './example-fixtures.js';

export interface SeedResult {
  /** Fixture `model/pk` → the id of the object created for it. */
  ids: Record<string, string>;
}

/**
 * Loads GovStack's example fixtures (Django `dumpdata` rows: policy, controller, data
 * agreement, individual, consent record) through the port, so they get real revisions. The
 * fixtures' own revision and signature rows are not copied (their SHA-1 hashes and PGP
 * signatures cover the mock's serialisation, not ours); the consent record is recreated
 * undecided (`optIn: null`), as in the fixture.
 *
 * `useId` lets the caller make the next created object keep the fixture's primary key (the
 * CLI's engine takes ids from a queue), so GovStack's tests can address `…/policy/1/`.
 */
export async function seedGovstackFixtures(
  service: ConsentService,
  context: ActorContext,
  options: { fixtures?: readonly GovstackFixture[]; useId?: (id: string) => void } = {},
): Promise<SeedResult> {
  const fixtures = options.fixtures ?? govstackExampleFixtures;
  const ids: Record<string, string> = {};
  const of = (model: string) => fixtures.filter((row) => row.model === model);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const keep = (pk: number) => options.useId?.(String(pk));

  for (const row of of('app.policy')) {
    keep(row.pk);
    const { policy } = await service.createPolicy(context, row.fields as never);
    ids[`app.policy/${row.pk}`] = policy.id;
  }
  const controllers = new Map(
    of('app.controller').map((row) => [row.pk, row.fields as { name: string; url: string }]),
  );
  const lifecycles = new Map(
    of('app.dataagreementlifecycle').map((row) => [row.pk, String(row.fields.name).toLowerCase()]),
  );
  for (const row of of('app.dataagreement')) {
    const fields = row.fields;
    keep(row.pk);
    const policyId = ids[`app.policy/${String(fields.policy)}`];
    const controller = controllers.get(Number(fields.controller));
    const { dataAgreement } = await service.createDataAgreement(context, {
      version: String(fields.version),
      ...(controller ? { controller } : {}),
      ...(policyId ? { policyId } : {}),
      purpose: String(fields.purpose),
      lawfulBasis: String(fields.lawfulBasis).toLowerCase() as never,
      ...(text(fields.dataUse) ? { dataUse: fields.dataUse as never } : {}),
      dpia: String(fields.dpia ?? ''),
      active: fields.active === true,
      forgettable: fields.forgettable === true,
      lifecycle: (lifecycles.get(Number(fields.lifecycle)) ?? 'draft') as never,
      attributes: [],
    });
    ids[`app.dataagreement/${row.pk}`] = dataAgreement.id;
  }
  for (const row of of('app.individual')) {
    keep(row.pk);
    const { individual } = await service.createIndividual(context, {
      ...(text(row.fields.externalId) ? { externalId: String(row.fields.externalId) } : {}),
      ...(text(row.fields.externalIdType)
        ? { externalIdType: String(row.fields.externalIdType) }
        : {}),
      ...(text(row.fields.identityProviderId)
        ? { identityProviderId: String(row.fields.identityProviderId) }
        : {}),
    });
    ids[`app.individual/${row.pk}`] = individual.id;
  }
  for (const row of of('app.consentrecord')) {
    const individualId = ids[`app.individual/${String(row.fields.individual)}`];
    const dataAgreementId = ids[`app.dataagreement/${String(row.fields.dataAgreement)}`];
    if (!individualId || !dataAgreementId) continue;
    keep(row.pk);
    const { consentRecord } = await service.createConsentRecord(context, {
      individualId,
      dataAgreementId,
      optIn: typeof row.fields.optIn === 'boolean' ? row.fields.optIn : null,
    });
    ids[`app.consentrecord/${row.pk}`] = consentRecord.id;
  }
  return { ids };
}

/**
 * An id generator that hands out queued ids first (see {@link seedGovstackFixtures}'s `useId`),
 * then those of `fallback`.
 */
export function queuedIds(fallback: () => string): {
  ids: () => string;
  useId: (id: string) => void;
} {
  const queue: string[] = [];
  return { ids: () => queue.shift() ?? fallback(), useId: (id) => void queue.push(id) };
}
