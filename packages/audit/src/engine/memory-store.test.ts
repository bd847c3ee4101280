import { describeAuditStoreConformance } from '../testing/conformance.js';
import { memoryAuditStore } from './memory-store.js';

let shared = memoryAuditStore();
describeAuditStoreConformance({
  name: 'memory',
  createStore: async () => {
    shared = memoryAuditStore();
    return shared;
  },
  openSharedStore: async () => shared,
});
