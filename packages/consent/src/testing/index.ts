export {
  type ConsentConformanceOptions,
  type ConsentConformanceSkip,
  type ConsentHarness,
  dataConsumer,
  describeConsentConformance,
  exampleAgreement,
  examplePolicy,
  operator,
  personActor,
} from './conformance.js';
export { describeConsentOutboxConformance } from './outbox.js';
