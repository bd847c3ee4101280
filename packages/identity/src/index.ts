/** The name of this block, as it appears in audit events and CLI commands. */
export const blockName = 'identity' as const;

export {
  type Assurance,
  type AssuranceLevel,
  assuranceLevelSchema,
  assuranceLevels,
  assuranceRank,
  assuranceSchema,
  defaultAcrLevels,
  levelOfVectorOfTrust,
  normaliseAssurance,
  requireAssurance,
  weakerLevel,
} from './assurance.js';
export { type ClientKeys, generateClientKeys } from './client-keys.js';
export {
  fail,
  IdentityError,
  type IdentityErrorCode,
  identityErrorCodes,
  isIdentityError,
} from './errors.js';
export {
  createIdTokenVerifier,
  type IdTokenClaims,
  type IdTokenExpectations,
  type IdTokenVerifier,
  type IdTokenVerifierOptions,
  tokenHash,
} from './id-token.js';
export {
  type AttributeMatchRequest,
  type AttributeMatchResult,
  attributeMatchRequestSchema,
  createClaimsIdentityVerifier,
  createDeterministicIdentityVerifier,
  type IdentityVerifier,
  matchClaims,
} from './identity-verifier.js';
export {
  createLocalJwks,
  createRemoteJwks,
  type KeySelector,
  type KeySource,
  type RemoteJwks,
  type RemoteJwksOptions,
  toJoseKeyResolver,
  type VerificationKey,
} from './jwks.js';
export { asymmetricSigningAlgorithms, defaultMaxTokenBytes, type SigningAlgorithm } from './jwt.js';
export {
  createOpenId4VpVerifier,
  type OpenId4VpVerifier,
  type OpenId4VpVerifierOptions,
  type PresentationRequest,
  type PresentationSession,
  presentationRequestSchema,
} from './openid4vp.js';
export {
  type ClaimsRequest,
  claimsRequestSchema,
  createRelyingParty,
  type RelyingParty,
  type RelyingPartyOptions,
  relyingPartyOptionsSchema,
  type SignInRequest,
  type SignInSession,
  signInRequestSchema,
  signInSessionSchema,
} from './relying-party.js';
export { memoryReplayCache, type NonceReplayCache } from './replay-cache.js';
export {
  createSdJwtVcVerifier,
  type SdJwtVcVerifier,
  type SdJwtVcVerifierOptions,
  type TrustedCredentialIssuer,
} from './sd-jwt.js';
export {
  createTokenVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedAccessToken,
} from './token-verifier.js';
export {
  type Evidence,
  evidenceSchema,
  localizedClaim,
  type VerifiedSubject,
  verifiedSubjectSchema,
} from './verified-subject.js';
