export type {
  components as GovstackConsentComponents,
  paths as GovstackConsentPaths,
} from './generated/consent-api.js';
export { type GovstackConsentOptions, govstackConsent } from './govstack-consent.js';
