export { type GovStackAccountMapperOptions, govstackAccountMapper } from './account-mapper.js';
export { type GovStackBillPaymentsOptions, govstackBillPayments } from './bills-remote.js';
