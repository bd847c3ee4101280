import { randomBytes } from 'node:crypto';
import { manualClock } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from './audit-log.js';
import { createAuditSink } from './audit-sink.js';
import { memoryAuditStore } from './memory-store.js';
import { auditSubjectReader } from './subject-reader.js';

describe('auditSubjectReader', () => {
  it("answers a subject's events from the log, newest first, filtered, without storing the identifier", async () => {
    const clock = manualClock('2026-01-01T00:00:00.000Z');
    const log = createAuditLog({ store: memoryAuditStore(), origin: 'test/audit' });
    const sink = createAuditSink({ log, pseudonymKey: randomBytes(32), clock });
    const event = (action: string, subjectId: string, block = 'registries') => {
      clock.advance(1000);
      return sink.record({
        block,
        action,
        outcome: 'success',
        actor: { type: 'service', id: 'agency-b' },
        subject: { type: 'individual', id: subjectId, personal: true },
      });
    };
    await event('registry.record.read', 'NID-1');
    await event('registry.record.updated', 'NID-1');
    await event('registry.record.read', 'NID-2');
    await event('consent.record.created', 'NID-1', 'consent');

    const reader = auditSubjectReader(log, sink);
    const all = await reader.findBySubject({ subjectId: 'NID-1' });
    expect(all.map((found) => found.action)).toEqual([
      'consent.record.created',
      'registry.record.updated',
      'registry.record.read',
    ]);
    expect(all[0]!.subject).toEqual({ type: 'individual', id: 'NID-1', personal: true });
    expect((await reader.findBySubject({ subjectId: 'NID-1', block: 'registries' })).length).toBe(
      2,
    );
    expect(
      (await reader.findBySubject({ subjectId: 'NID-1', actions: ['registry.record.read'] })).map(
        (found) => found.action,
      ),
    ).toEqual(['registry.record.read']);
    expect((await reader.findBySubject({ subjectId: 'NID-1', limit: 1 })).length).toBe(1);
    expect(await reader.findBySubject({ subjectId: 'NID-3' })).toEqual([]);

    const stored = await log.query({ limit: 10 });
    expect(JSON.stringify(stored.entries)).not.toContain('NID-1');
  });
});
