export { type GovStackRegistryOptions, govstackRegistry } from './registry-remote.js';
