import { voucherStoreConformanceSuite } from '../testing/voucher-conformance.js';
import { memoryVoucherStore } from './voucher-service.js';

voucherStoreConformanceSuite({ name: 'memory', create: async () => memoryVoucherStore() });
