export {
  govstackRejectedMerchantAccounts,
  govstackTestGroups,
  seedGovStackVouchers,
} from './fixtures.js';
export { type PaymentsHttpOptions, paymentsHttpApp } from './legacy-app.js';
export {
  billPaymentsHttpApp,
  mountBillPayments,
  type P2gCallbackOptions,
  type P2gHttpOptions,
} from './p2g.js';
