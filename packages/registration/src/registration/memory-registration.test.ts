import { manualClock } from '@govblocks/core';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { createRegistry } from '../registry/engine.js';
import { memoryRegistryStore } from '../registry/memory-store.js';
import { describeRegistrationConformance } from '../testing/index.js';
import { exactIdentifierDedup } from './dedup.js';
import { memoryDocumentStore } from './document-stores.js';
import { createRegistrationService } from './engine.js';
import { memoryRegistrationStore } from './memory-store.js';

describeRegistrationConformance({
  name: 'memory',
  async setup() {
    const clock = manualClock();
    const audit = memoryAuditTrail({ clock });
    const registry = createRegistry({
      store: memoryRegistryStore(),
      audit,
      auditReader: audit,
      clock,
    });
    const service = createRegistrationService({
      store: memoryRegistrationStore(),
      registry,
      audit,
      clock,
      documents: memoryDocumentStore(),
      dedup: [exactIdentifierDedup({ fields: ['/child/nationalId'] })],
    });
    return { service, registry };
  },
});
