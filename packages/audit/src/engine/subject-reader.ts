import type { AuditEventInput } from '@govblocks/core';
import type { AuditLog } from '../ports.js';
import type { LogAuditSink } from './audit-sink.js';

/** What {@link auditSubjectReader} answers: the events about one subject, as engines reported them. */
export interface SubjectAuditEvent extends AuditEventInput {
  id: string;
  time: string;
}

/**
 * Reads back the events about one subject from the tamper-evident log: the identifier is
 * pseudonymised with the sink's key and looked up by the log's subject index, so the log never
 * held the identifier. Structurally the `AuditReader` port of `@govblocks/registration`
 * (`personalDataUsage`, "who used my data"), without either package importing the other.
 *
 * @example
 * const registry = createRegistry({ store, audit: sink, auditReader: auditSubjectReader(log, sink) });
 */
export function auditSubjectReader(log: AuditLog, sink: Pick<LogAuditSink, 'pseudonymOf'>) {
  return {
    /** Events whose subject is `subjectId`, newest first, at most `limit` (default 1,000). */
    async findBySubject(query: {
      subjectId: string;
      block?: string;
      actions?: readonly string[];
      limit?: number;
    }): Promise<SubjectAuditEvent[]> {
      const limit = query.limit ?? 1_000;
      const pseudonym = sink.pseudonymOf(query.subjectId);
      const found: SubjectAuditEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await log.query({
          subject: pseudonym,
          ...(query.block ? { block: query.block } : {}),
          limit: 1_000,
          ...(cursor ? { cursor } : {}),
        });
        for (const { event } of page.entries) {
          if (query.actions && !query.actions.includes(event.action)) continue;
          const { v: _version, sealed: _sealed, subject, ...rest } = event;
          found.push({
            ...rest,
            ...(subject
              ? { subject: { type: subject.type, id: query.subjectId, personal: true } }
              : {}),
          });
        }
        cursor = page.next;
      } while (cursor);
      return found.reverse().slice(0, limit);
    },
  };
}
