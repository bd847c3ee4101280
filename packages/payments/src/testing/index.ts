export {
  type BillPaymentServiceConformanceOptions,
  billPaymentServiceConformanceSuite,
  type ConformanceBill,
} from './bill-conformance.js';
export { type RailConformanceOptions, railConformanceSuite } from './rail-conformance.js';
export {
  type PaymentServiceConformanceOptions,
  paymentServiceConformanceSuite,
} from './service-conformance.js';
export {
  type VoucherStoreConformanceOptions,
  voucherStoreConformanceSuite,
} from './voucher-conformance.js';
