export { type GovStackAccountMapperOptions, govstackAccountMapper } from './account-mapper.js';
export {
  type GovStackPaymentServiceOptions,
  govstackPaymentService,
  govstackUnsupportedMethods,
} from './payment-remote.js';
