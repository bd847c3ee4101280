import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqlClient } from '@govblocks/core/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServeAudit } from './serve-audit.js';

describe('openServeAudit', () => {
  let client: SqlClient;
  let folder: string;
  let url: string;
  const warnings: string[] = [];
  const io = { out: () => {}, err: (text: string) => warnings.push(text) };
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'govblocks-serve-audit-'));
    url = `file://${join(folder, 'db')}`;
    client = await openDatabase(url);
  });
  afterAll(async () => {
    await client?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('persists events in the audit log on the block database and reads them back by subject', async () => {
    const key = 'ab'.repeat(32);
    const first = await openServeAudit(client, io, { GOVBLOCKS_AUDIT_PSEUDONYM_KEY: key }, url);
    const { sink, reader } = first;
    await sink.record({
      block: 'consent',
      action: 'consent.record.created',
      outcome: 'success',
      actor: { type: 'person', id: 'NID-9' },
      subject: { type: 'individual', id: 'NID-9', personal: true },
    });
    const found = await reader.findBySubject({ subjectId: 'NID-9' });
    expect(found.map((event) => event.action)).toEqual(['consent.record.created']);
    // A restart with the same key finds the same subject in the log kept beside the database.
    await first.close();
    const again = await openServeAudit(client, io, { GOVBLOCKS_AUDIT_PSEUDONYM_KEY: key }, url);
    expect((await again.reader.findBySubject({ subjectId: 'NID-9' })).length).toBe(1);
    await again.close();
    expect(warnings).toEqual([]);
  });

  it('warns when no pseudonym key is configured and refuses a short one', async () => {
    await (await openServeAudit(client, io, {})).close();
    expect(warnings.join('')).toMatch(/GOVBLOCKS_AUDIT_PSEUDONYM_KEY is not set/);
    await expect(
      openServeAudit(client, io, { GOVBLOCKS_AUDIT_PSEUDONYM_KEY: 'abcd' }),
    ).rejects.toThrow(/at least 32 bytes/);
  });
});
