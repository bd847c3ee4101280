import { manualClock } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { createRegistry } from './engine.js';
import { memoryRegistryStore } from './memory-store.js';
import { exportRegistryOpenData } from './open-data.js';

describe('exportRegistryOpenData', () => {
  it('counts by allowed fields, suppresses small groups and refuses identifiers', async () => {
    const clock = manualClock();
    const audit = memoryAuditTrail({ clock });
    const store = memoryRegistryStore();
    const registry = createRegistry({ store, audit, auditReader: audit, clock });
    const admin = { actor: { type: 'operator' as const, id: 'stat-1', roles: [] } };
    await registry.defineRegistry(admin, {
      name: 'births',
      version: '1.0',
      primaryKey: 'id',
      personalIdField: 'childId',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          childId: { type: 'string' },
          district: { type: 'string' },
          year: { type: 'integer' },
        },
      },
    });
    const ref = { registry: 'births', version: '1.0' };
    for (let index = 0; index < 13; index++) {
      await registry.create(admin, ref, {
        id: `B${index}`,
        childId: `C${index}`,
        district: index < 10 ? 'North' : 'South',
        year: 2025,
      });
    }
    audit.clear();
    const data = await exportRegistryOpenData({ store, audit, clock }, admin, {
      registry: ref,
      fields: ['district', 'year'],
    });
    expect(data.rows).toEqual([{ values: { district: 'North', year: 2025 }, count: 10 }]);
    expect(data.suppressedGroups).toBe(1);
    expect(audit.events.map((event) => event.action)).toEqual(['registry.open-data.exported']);
    await expect(
      exportRegistryOpenData({ store, audit }, admin, { registry: ref, fields: ['childId'] }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ pointer: '/fields/0' }],
    });
    await expect(
      exportRegistryOpenData({ store, audit }, admin, { registry: ref, fields: ['id'] }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
