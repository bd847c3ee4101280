export { type GovStackAccountMapperOptions, govstackAccountMapper } from './account-mapper.js';
export {
<<<<<<< HEAD
  type GovStackPaymentServiceOptions,
  govstackPaymentService,
  govstackUnsupportedMethods,
} from './payment-remote.js';
=======
  type BillInquiryBillerResponse,
  billInquiryBillerResponseSchema,
  type GovStackBillerOptions,
  type GovStackBillPaymentsOptions,
  govstackBiller,
  govstackBillPayments,
} from './bills-remote.js';
>>>>>>> pay-p2g
