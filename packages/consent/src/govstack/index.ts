export { type GovstackFixture, govstackExampleFixtures } from './example-fixtures.js';
export { queuedIds, type SeedResult, seedGovstackFixtures } from './fixtures.js';
export type {
  components as GovstackConsentComponents,
  paths as GovstackConsentPaths,
} from './generated/consent.js';
export { type GovstackConsentOptions, govstackConsent } from './govstack-consent.js';
