export {
  type ConformanceFees,
  conformanceAdmin,
  conformanceBirthService,
  conformanceBirthsRegistry,
  conformanceClerk,
  conformanceOtherParent,
  conformancePaidService,
  conformanceParent,
  conformancePayments,
  conformanceRegistrar,
  describeRegistrationConformance,
  type RegistrationConformanceOptions,
} from './registration-conformance.js';
export {
  conformanceOfficer,
  conformancePerson,
  conformanceRegistry,
  describeRegistryConformance,
  type RegistryConformanceOptions,
  type RegistryConformanceSkip,
} from './registry-conformance.js';
