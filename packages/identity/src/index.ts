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
export {
  type ClientKeys,
  generateClientKeys,
} from './client-keys.js';
export {
  IdentityError,
  type IdentityErrorCode,
  identityErrorCodes,
  isIdentityError,
} from './errors.js';
export {
  createIdTokenVerifier,
  type IdTokenVerifierOptions,
  tokenHash,
} from './id-token.js';
export {
  type AttributeMatchRequest,
  attributeMatchRequestSchema,
  createClaimsIdentityVerifier,
  createDeterministicIdentityVerifier,
  matchClaims,
} from './identity-verifier.js';
export {
  createLocalJwks,
  createRemoteJwks,
  type RemoteJwks,
  type RemoteJwksOptions,
  toJoseKeyResolver,
} from './jwks.js';
export {
  asymmetricSigningAlgorithms,
  defaultMaxTokenBytes,
  type SigningAlgorithm,
} from './jwt.js';
export {
  createOpenId4VpVerifier,
  type OpenId4VpVerifierOptions,
  type PresentationRequest,
  presentationRequestSchema,
} from './openid4vp.js';
export type {
  AttributeMatchResult,
  IdentityVerifier,
  IdTokenClaims,
  IdTokenExpectations,
  IdTokenVerifier,
  KeySelector,
  KeySource,
  NonceReplayCache,
  OpenId4VpVerifier,
  PresentationSession,
  RelyingParty,
  SdJwtVcVerifier,
  TokenVerifier,
  VerificationKey,
  VerifiedAccessToken,
} from './ports.js';
export {
  type ClaimsRequest,
  claimsRequestSchema,
  createRelyingParty,
  type RelyingPartyOptions,
  relyingPartyOptionsSchema,
  type SignInRequest,
  type SignInSession,
  signInRequestSchema,
  signInSessionSchema,
} from './relying-party.js';
export { memoryReplayCache } from './replay-cache.js';
export {
  createSdJwtVcVerifier,
  type SdJwtVcVerifierOptions,
  type TrustedCredentialIssuer,
} from './sd-jwt.js';
export { sealSignInSession, unsealSignInSession } from './session-seal.js';
export {
  createTokenVerifier,
  type TokenVerifierOptions,
} from './token-verifier.js';
export {
  type Evidence,
  evidenceSchema,
  localizedClaim,
  type VerifiedSubject,
  verifiedSubjectSchema,
} from './verified-subject.js';
