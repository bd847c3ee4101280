import type { AuditEventInput, AuditSink, Clock, IdGenerator } from '@govblocks/core';
import { auditEventInputSchema, systemClock, uuidv7Generator } from '@govblocks/core';

/** An audit event as it was recorded: the input plus the id and time the log gave it. */
export type RecordedAuditEvent = AuditEventInput & { id: string; time: string };

/** What {@link AuditReader.findBySubject} looks for. */
export interface AuditSubjectQuery {
  /** The subject's identifier, as the engine reported it (the reader pseudonymises it if it must). */
  subjectId: string;
  /** Only events of this block (`registration`). */
  block?: string;
  /** Only these actions. */
  actions?: readonly string[];
  /** Most events returned (newest first). Default 1,000. */
  limit?: number;
}

/**
 * Reads back audit events about a subject. The registry answers `personalDataUsage` from this
 * port — the same events it wrote through the {@link AuditSink}, never a second bookkeeping.
 * `@govblocks/audit` is expected to implement it over its tamper-evident log; this package ships
 * {@link memoryAuditTrail} for tests and demos.
 */
export interface AuditReader {
  /**
   * Events whose `subject.id` is `subjectId`, newest first.
   * @returns at most `limit` events; an empty list when there are none.
   * @throws UNAVAILABLE when the log cannot be read. Read-only; writes no audit event.
   */
  findBySubject(query: AuditSubjectQuery): Promise<RecordedAuditEvent[]>;
}

/** An in-memory audit sink that can be read back. Not for production: nothing is persisted. */
export interface MemoryAuditTrail extends AuditSink, AuditReader {
  readonly events: RecordedAuditEvent[];
  clear(): void;
}

/**
 * Creates a {@link MemoryAuditTrail}: an {@link AuditSink} and {@link AuditReader} in one.
 *
 * @example
 * const audit = memoryAuditTrail();
 * const registry = createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit });
 */
export function memoryAuditTrail(
  options: { clock?: Clock; ids?: IdGenerator } = {},
): MemoryAuditTrail {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Generator(clock);
  const events: RecordedAuditEvent[] = [];
  return {
    events,
    async record(event) {
      const parsed = auditEventInputSchema.parse(event);
      events.push({ ...parsed, id: ids(), time: parsed.time ?? clock.now().toISOString() });
    },
    async findBySubject(query) {
      const limit = query.limit ?? 1_000;
      const found: RecordedAuditEvent[] = [];
      for (let index = events.length - 1; index >= 0 && found.length < limit; index--) {
        const event = events[index]!;
        if (event.subject?.id !== query.subjectId) continue;
        if (query.block !== undefined && event.block !== query.block) continue;
        if (query.actions && !query.actions.includes(event.action)) continue;
        found.push(event);
      }
      return found;
    },
    clear() {
      events.length = 0;
    },
  };
}
