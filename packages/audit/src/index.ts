/** The name of this block, as it appears in audit events and CLI commands. */
export const blockName = 'audit' as const;

export {
  type BundleHeader,
  type BundleVerification,
  bundleFormat,
  exportBundle,
  importBundle,
  type VerifyBundleOptions,
  verifyBundle,
  verifyStore,
} from './bundle/bundle.js';
export {
  createStreamVerifier,
  type StreamVerifier,
  type VerificationFailure,
  type VerificationResult,
  type VerificationSuccess,
} from './bundle/stream-verifier.js';
export {
  type Checkpoint,
  type Cosignature,
  cosignCheckpoint,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
  verifyCosignatures,
} from './checkpoint/checkpoint.js';
export { signTreeHeadJws, type TreeHeadClaims, verifyTreeHeadJws } from './checkpoint/jws.js';
export {
  createNoteSigner,
  createNoteVerifier,
  generateNoteKey,
  type NoteKeyType,
  type NoteSigner,
  type NoteVerifier,
  noteKeyId,
  verifierKeyOf,
} from './checkpoint/keys.js';
export {
  type NoteSignature,
  openSignedNote,
  parseSignedNote,
  signNote,
} from './checkpoint/note.js';
export { type AuditLogOptions, createAuditLog, prepareLeaf } from './engine/audit-log.js';
export { type AuditSinkOptions, createAuditSink, type LogAuditSink } from './engine/audit-sink.js';
export { memoryAuditStore } from './engine/memory-store.js';
export { auditSubjectReader, type SubjectAuditEvent } from './engine/subject-reader.js';
export { AuditError, type AuditErrorCode } from './errors.js';
export type {
  AuditEntry,
  AuditLog,
  AuditPage,
  AuditReceipt,
  AuditStore,
  ConsistencyProof,
  InclusionProof,
  LeafFields,
  PreparedLeaf,
  StoredLeaf,
  StoredLeafPage,
  TreeHead,
} from './ports.js';
export {
  type AuditEvent,
  type AuditQuery,
  type AuditSinkEventInput,
  auditEventSchema,
  auditQuerySchema,
  auditSinkEventInputSchema,
  pseudonymSchema,
  type SealedFields,
  sealedFieldsSchema,
} from './schemas.js';
export { memorySubjectKeyStore, type SubjectKey, type SubjectKeyStore } from './subject-keys.js';
export {
  appendLeaves,
  type CompactRange,
  type CompletedNode,
  compactRangeRoot,
  emptyCompactRange,
} from './tree/compact-range.js';
export {
  consistencyProofRanges,
  emptyRoot,
  type Hash,
  hashChildren,
  hashesEqual,
  hashLeaf,
  inclusionProofRanges,
  type LeafRange,
  type NodeKey,
  perfectSubtrees,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './tree/merkle.js';
