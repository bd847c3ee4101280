import { manualClock } from '@govblocks/core';
import { memoryAuditTrail } from '../src/audit/audit-reader.js';
import { createRegistry } from '../src/registry/engine.js';
import { memoryRegistryStore } from '../src/registry/memory-store.js';

/** A registry on the memory store, with a manual clock and an audit trail it also reads from. */
export function memoryRegistryFixture() {
  const clock = manualClock();
  const audit = memoryAuditTrail({ clock });
  const registry = createRegistry({
    store: memoryRegistryStore(),
    audit,
    auditReader: audit,
    clock,
  });
  return { clock, audit, registry };
}
