export { type PaymentsHttpOptions, paymentsHttpApp } from './legacy-app.js';
export { govstackRejectedMerchantAccounts, govstackTestGroups, seedGovStackVouchers } from './fixtures.js';
