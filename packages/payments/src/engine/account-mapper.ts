import {
  type ActorContext,
  type AuditEventInput,
  type AuditSink,
  type Clock,
  type IdGenerator,
  parse,
  systemClock,
  uuidv7Generator,
} from '@govblocks/core';
import { z } from 'zod';
import type { AccountMapper, OutboxEvent, PaymentStore } from '../ports.js';
import { type Beneficiary, beneficiaryInputSchema, beneficiaryUpdateSchema } from '../schemas.js';
import { type AuditRelay, createAuditRelay, createLeaseKeeper } from './outbox.js';

export interface AccountMapperDependencies {
  store: PaymentStore;
  audit: AuditSink;
  clock?: Clock;
  newId?: IdGenerator;
}

const auditActor = (context: ActorContext) => ({
  type: context.actor.type,
  id: context.actor.id,
  ...(context.actor.onBehalfOf ? { onBehalfOf: context.actor.onBehalfOf } : {}),
  ...(context.actor.clientId ? { clientId: context.actor.clientId } : {}),
});

/** The audit `actor` of a context (roles are not audited). */
export { auditActor };

/**
 * The built-in {@link AccountMapper}, over the payments store.
 *
 * @example
 * const mapper = createAccountMapper({ store, audit });
 * await mapper.register(context, [{ functionalId: 'ID-1', modality: 'mobile_money', financialAddress: '+15550100', rail: 'simulator' }]);
 */
export function createAccountMapper(
  dependencies: AccountMapperDependencies,
  /** The engine's relay, when the engine creates the mapper (one relay per engine). */
  sharedRelay?: AuditRelay,
): AccountMapper {
  const { store, audit } = dependencies;
  const clock = dependencies.clock ?? systemClock;
  const newId = dependencies.newId ?? uuidv7Generator(clock);
  const relay =
    sharedRelay ??
    createAuditRelay({
      store,
      audit,
      leases: createLeaseKeeper(store, clock, 15_000),
      holder: newId(),
    });
  /** Audit events go to the outbox with the change (see `createPaymentService`). */
  const auditEvent = (event: AuditEventInput): OutboxEvent => {
    const id = newId();
    return {
      topic: 'audit',
      id,
      payload: { ...event, details: { ...event.details, eventId: id } },
    };
  };
  return {
    specificationVersion: 'account-mapper/v1',
    async register(context, beneficiaries) {
      const inputs = parse(
        z.array(beneficiaryInputSchema).max(10_000),
        beneficiaries,
        '[payments] beneficiaries',
      );
      const now = clock.now().toISOString();
      const seen = new Set<string>();
      const records: Beneficiary[] = [];
      for (const input of inputs) {
        if (seen.has(input.functionalId)) continue;
        seen.add(input.functionalId);
        records.push({
          ...input,
          registeredBy: context.actor.clientId ?? context.actor.id,
          createdAt: now,
          updatedAt: now,
          version: 1,
        });
      }
      const existing = new Set(
        await store.insertBeneficiaries(records, {
          outbox: (inserted) =>
            inserted.map((record) =>
              auditEvent({
                block: 'payments',
                action: 'payment.beneficiary.registered',
                actor: auditActor(context),
                subject: { type: 'beneficiary', id: record.functionalId, personal: true },
                outcome: 'success',
                time: now,
                details: { rail: record.rail ?? null, modality: record.modality ?? null },
                ...(context.requestId ? { requestId: context.requestId } : {}),
                ...(context.correlationId ? { correlationId: context.correlationId } : {}),
              }),
            ),
        }),
      );
      await relay.flush();
      return inputs.map((input) => ({
        functionalId: input.functionalId,
        outcome: existing.has(input.functionalId) ? 'already_registered' : 'registered',
      }));
    },
    async update(context, updates) {
      const inputs = parse(
        z.array(beneficiaryUpdateSchema).max(10_000),
        updates,
        '[payments] beneficiary updates',
      );
      const results: Awaited<ReturnType<AccountMapper['update']>> = [];
      for (const input of inputs) {
        let outcome: 'updated' | 'not_found' = 'not_found';
        for (let tries = 0; tries < 5; tries++) {
          const [current] = await store.getBeneficiaries([input.functionalId]);
          if (!current) break;
          const now = clock.now().toISOString();
          const next: Beneficiary = {
            ...current,
            ...input,
            updatedAt: now,
            version: current.version + 1,
          };
          const event = auditEvent({
            block: 'payments',
            action: 'payment.beneficiary.updated',
            actor: auditActor(context),
            subject: { type: 'beneficiary', id: input.functionalId, personal: true },
            outcome: 'success',
            time: now,
            details: {
              fields: Object.keys(input)
                .filter((key) => key !== 'functionalId')
                .join(','),
              version: next.version,
            },
            ...(context.requestId ? { requestId: context.requestId } : {}),
          });
          if (await store.replaceBeneficiary(next, current.version, { outbox: () => [event] })) {
            outcome = 'updated';
            break;
          }
        }
        results.push({ functionalId: input.functionalId, outcome });
      }
      await relay.flush();
      return results;
    },
    async lookup(functionalIds) {
      const found = new Map(
        (await store.getBeneficiaries(functionalIds)).map((record) => [
          record.functionalId,
          record,
        ]),
      );
      return functionalIds.map((functionalId) => {
        const record = found.get(functionalId);
        // Registered without an account yet (allowed by the G2P API): not payable.
        if (!record?.financialAddress || !record.rail || !record.modality)
          return { functionalId, found: false as const };
        return {
          functionalId,
          found: true as const,
          rail: record.rail,
          modality: record.modality,
          financialAddress: record.financialAddress,
          ...(record.institution ? { institution: record.institution } : {}),
        };
      });
    },
  };
}
