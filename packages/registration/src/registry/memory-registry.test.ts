import { manualClock } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { memoryRegistryFixture } from '../../test/memory-registry.js';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { describeRegistryConformance } from '../testing/index.js';
import { createRegistry } from './engine.js';
import { memoryRegistryStore } from './memory-store.js';

describeRegistryConformance({
  name: 'memory',
  async setup() {
    const clock = manualClock();
    const audit = memoryAuditTrail({ clock });
    return createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit, clock });
  },
});

describe('create with a chosen uuid', () => {
  it('is idempotent for equal content and refuses other content', async () => {
    const { audit, registry } = memoryRegistryFixture();
    const admin = { actor: { type: 'operator' as const, id: 'a', roles: ['registry-admin'] } };
    await registry.defineRegistry(admin, { name: 'r', version: '1', schema: { type: 'object' } });
    const ref = { registry: 'r', version: '1' };
    const uuid = '0190a2b4-0000-8000-8000-000000000001';
    const first = await registry.create(admin, ref, { a: 1, b: { c: 2 } }, { uuid });
    expect(first.uuid).toBe(uuid);
    const again = await registry.create(admin, ref, { b: { c: 2 }, a: 1 }, { uuid });
    expect(again).toEqual(first);
    await expect(registry.create(admin, ref, { a: 2 }, { uuid })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(registry.create(admin, ref, { a: 1 }, { uuid: 'nope' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect((await registry.list(admin, ref)).count).toBe(1);
    expect(audit.events.filter((event) => event.action === 'registry.record.created')).toHaveLength(
      1,
    );
  });
});
