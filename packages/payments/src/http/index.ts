export {
  govstackRejectedMerchantAccounts,
  govstackTestGroups,
  seedGovStackVouchers,
} from './fixtures.js';
export { type PaymentsHttpOptions, paymentsHttpApp } from './legacy-app.js';
