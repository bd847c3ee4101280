export {
  type GovStackRegistrationOptions,
  govstackRegistrationService,
  RegistrationNotSupportedError,
} from './registration-remote.js';
export { type GovStackRegistryOptions, govstackRegistry } from './registry-remote.js';
