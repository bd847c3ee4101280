import {
  createClaimsIdentityVerifier,
  createDeterministicIdentityVerifier,
} from '../identity-verifier.js';
import { memoryReplayCache } from '../replay-cache.js';
import {
  describeIdentityVerifierConformance,
  describeNonceReplayCacheConformance,
} from './index.js';

describeNonceReplayCacheConformance('memory', (clock) => memoryReplayCache({ clock }));
describeNonceReplayCacheConformance('memory (tiny, evicting)', (clock) =>
  memoryReplayCache({ clock, maxEntries: 4 }),
);
describeIdentityVerifierConformance('deterministic', (records) =>
  createDeterministicIdentityVerifier(records),
);
describeIdentityVerifierConformance('OIDC claims (async resolver)', (records) =>
  createClaimsIdentityVerifier({
    resolve: async (id) => records.find((record) => record.individualId === id)?.claims,
  }),
);
