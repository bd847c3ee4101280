export {
  type GovStackRegistrationOptions,
  govstackRegistrationService,
  RegistrationNotSupportedError,
  type RemoteRegistrationService,
} from './registration-remote.js';
export { type GovStackRegistryOptions, govstackRegistry } from './registry-remote.js';
