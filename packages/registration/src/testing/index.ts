export {
  conformanceOfficer,
  conformancePerson,
  conformanceRegistry,
  describeRegistryConformance,
  type RegistryConformanceOptions,
  type RegistryConformanceSkip,
} from './registry-conformance.js';
