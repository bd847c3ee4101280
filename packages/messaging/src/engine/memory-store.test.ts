import { describeMessagingStore } from '../testing/store-conformance.js';
import { memoryMessagingStore } from './memory-store.js';

describeMessagingStore('memory', { create: async () => memoryMessagingStore() });
