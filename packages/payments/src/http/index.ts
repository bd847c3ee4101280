export {
  type CallbackSender,
  type CallbackSenderOptions,
  createCallbackSender,
} from './callbacks.js';
export {
  govstackRejectedMerchantAccounts,
  govstackTestGroups,
  seedGovStackVouchers,
} from './fixtures.js';
export {
  type AccountVerifier,
  type G2pV3Handle,
  type G2pV3Options,
  mountG2pV3,
} from './g2p-v3.js';
export { type PaymentsHttpOptions, paymentsHttpApp } from './legacy-app.js';
export {
  billPaymentsHttpApp,
  mountBillPayments,
  type P2gCallbackOptions,
  type P2gHttpOptions,
} from './p2g.js';
export {
  type MerchantDirectory,
  mountVouchersV3,
  type VouchersV3Options,
  voucherStatusCodes,
} from './vouchers-v3.js';
