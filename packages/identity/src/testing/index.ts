/**
 * Conformance kits for the identity block's pluggable ports. Run them from your own vitest file
 * for any implementation (a Redis replay cache, an identity verifier over a national registry…).
 */
export {
  describeIdentityVerifierConformance,
  type IdentityRecord,
} from './identity-verifier-conformance.js';
export { describeNonceReplayCacheConformance } from './replay-cache-conformance.js';
