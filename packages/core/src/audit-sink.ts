import { z } from 'zod';

/**
 * An audit event as an engine reports it. Every state change in every engine writes one through
 * an {@link AuditSink}: who did what, to what, why, and with which outcome.
 *
 * Never put personal data or secrets in `details`. `subject.id` may be a personal identifier:
 * sinks that persist events must pseudonymise it (`@govblocks/audit` stores a keyed HMAC).
 */
export const auditEventInputSchema = z.strictObject({
  /** The block that acted: `consent`, `payments`, … */
  block: z.string().min(1).max(64),
  /** What happened, `noun.verb` in the past tense: `consent.record.created`, `payment.batch.approved`. */
  action: z.string().min(1).max(128),
  actor: z.strictObject({
    type: z.enum(['person', 'operator', 'service', 'system']),
    id: z.string().min(1).max(256),
    onBehalfOf: z.string().min(1).max(256).optional(),
    clientId: z.string().min(1).max(256).optional(),
    /** Roles held when acting (records what an access decision rested on). */
    roles: z.array(z.string().min(1).max(128)).max(64).optional(),
  }),
  /** What was acted on. */
  subject: z
    .strictObject({
      /** Kind of thing: `individual`, `consent-record`, `payment-batch`, … */
      type: z.string().min(1).max(64),
      /** Its identifier (pseudonymised by persisting sinks when it names a person). */
      id: z.string().min(1).max(512),
      /** True when `id` identifies a natural person and must be pseudonymised. */
      personal: z.boolean().optional(),
    })
    .optional(),
  /** Purpose of processing, where known (e.g. the consent purpose). */
  purpose: z.string().max(256).optional(),
  /** Legal basis, where known (GDPR art. 6 basis or the national equivalent). */
  legalBasis: z.string().max(256).optional(),
  outcome: z.enum(['success', 'failure', 'denied']),
  correlationId: z.string().max(256).optional(),
  requestId: z.string().max(256).optional(),
  /** ISO 8601 UTC; the sink's clock fills it when absent. */
  time: z.iso.datetime({ offset: false }).optional(),
  /** Small, PII-free facts (counts, states, amounts, ids of non-personal objects). */
  details: z
    .record(z.string(), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
    .optional(),
});
export type AuditEventInput = z.input<typeof auditEventInputSchema>;

/**
 * Where engines send audit events. Implementations: `@govblocks/audit` (tamper-evident log),
 * {@link memoryAuditSink} (tests).
 *
 * `record` resolves once the event is durable (or, for batching sinks, accepted into a batch
 * that will be). It must not throw for a valid event except when the sink is unavailable; then
 * it throws `UnavailableError` and the caller fails the operation (fail closed).
 */
export interface AuditSink {
  record(event: AuditEventInput): Promise<void>;
}

/** An in-memory sink that keeps every event, for tests and demos. Not for production. */
export interface MemoryAuditSink extends AuditSink {
  readonly events: AuditEventInput[];
  clear(): void;
}

/** Creates a {@link MemoryAuditSink}. Events are validated, so tests catch malformed events. */
export function memoryAuditSink(): MemoryAuditSink {
  const events: AuditEventInput[] = [];
  return {
    events,
    async record(event) {
      events.push(auditEventInputSchema.parse(event));
    },
    clear() {
      events.length = 0;
    },
  };
}
