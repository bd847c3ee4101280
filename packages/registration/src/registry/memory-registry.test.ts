import { manualClock } from '@govblocks/core';
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
