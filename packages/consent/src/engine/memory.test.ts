import { memoryAuditSink } from '@govblocks/core';
import { describeConsentConformance } from '../testing/conformance.js';
import { describeConsentOutboxConformance } from '../testing/outbox.js';
import { createConsentService } from './consent-service.js';
import { memoryConsentStore } from './memory-store.js';

describeConsentConformance({
  name: 'engine on the memory store',
  async setup() {
    const store = memoryConsentStore();
    const audit = memoryAuditSink();
    return {
      service: createConsentService({ store, audit }),
      sibling: createConsentService({ store, audit: memoryAuditSink() }),
      auditEvents: () => audit.events,
      readRecord: (id) => store.getRecord(id),
    };
  },
});

describeConsentOutboxConformance('memory', async () => memoryConsentStore());
