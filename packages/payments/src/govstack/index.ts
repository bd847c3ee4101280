export { type GovStackAccountMapperOptions, govstackAccountMapper } from './account-mapper.js';
export {
  type BillInquiryBillerResponse,
  billInquiryBillerResponseSchema,
  type GovStackBillerOptions,
  type GovStackBillPaymentsOptions,
  govstackBiller,
  govstackBillPayments,
} from './bills-remote.js';
export {
  type GovStackPaymentServiceOptions,
  govstackPaymentService,
  govstackUnsupportedMethods,
} from './payment-remote.js';
