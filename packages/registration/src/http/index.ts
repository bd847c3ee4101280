export { actorFor } from './actor.js';
export {
  govstackExamplePeople,
  govstackExampleRegistry,
  seedGovStackRegistries,
} from './govstack-fixtures.js';
export { type RegistrationHttpAppOptions, registrationHttpApp } from './registration-app.js';
export { registrationExtensionBase, registrationPortHeader } from './registration-port.js';
export {
  databaseInfo,
  type RegistriesHttpAppOptions,
  registriesHttpApp,
} from './registries-app.js';
