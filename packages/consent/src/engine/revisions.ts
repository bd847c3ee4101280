import { createHash } from 'node:crypto';
import { canonicalJson } from '@govblocks/core';
import type { Revision, RevisionSchemaName } from '../schemas.js';

/** SHA-256 of a UTF-8 string, lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The snapshot a revision hashes: RFC 8785 canonical JSON, so anyone can recompute it. */
export function revisionSnapshot(fields: {
  schemaName: RevisionSchemaName;
  objectId: string;
  number: number;
  timestamp: string;
  authorizedByIndividual: string | null;
  authorizedByOther: string | null;
  objectData: unknown;
  predecessorHash: string | null;
  deleted: boolean;
}): string {
  return canonicalJson(fields);
}

/** One problem found by {@link verifyRevisionChain}. */
export interface RevisionChainProblem {
  revisionId: string;
  problem: 'HASH_MISMATCH' | 'BROKEN_LINK' | 'NUMBERING' | 'SNAPSHOT_MISMATCH';
}

/**
 * Verifies a revision history offline: each `serializedHash` is the SHA-256 of its snapshot,
 * each snapshot names its own number and predecessor hash, and each predecessor hash is the
 * previous revision's hash. Give the revisions oldest first. Returns the problems found
 * (empty when the chain holds).
 *
 * @example
 * const { items } = await consent.listConsentRecordRevisions(auditor, { consentRecordId, limit: 500 });
 * expect(verifyRevisionChain(items)).toEqual([]);
 */
export function verifyRevisionChain(revisions: readonly Revision[]): RevisionChainProblem[] {
  const problems: RevisionChainProblem[] = [];
  let previous: Revision | undefined;
  for (const revision of revisions) {
    if (sha256Hex(revision.serializedSnapshot) !== revision.serializedHash) {
      problems.push({ revisionId: revision.id, problem: 'HASH_MISMATCH' });
    }
    let snapshot: {
      number?: unknown;
      predecessorHash?: unknown;
      objectId?: unknown;
      schemaName?: unknown;
    } = {};
    try {
      snapshot = JSON.parse(revision.serializedSnapshot) as typeof snapshot;
    } catch {
      problems.push({ revisionId: revision.id, problem: 'SNAPSHOT_MISMATCH' });
    }
    if (
      snapshot.number !== revision.number ||
      snapshot.predecessorHash !== revision.predecessorHash ||
      snapshot.objectId !== revision.objectId ||
      snapshot.schemaName !== revision.schemaName
    ) {
      problems.push({ revisionId: revision.id, problem: 'SNAPSHOT_MISMATCH' });
    }
    const expectedNumber = previous ? previous.number + 1 : revision.number;
    if (revision.number !== expectedNumber)
      problems.push({ revisionId: revision.id, problem: 'NUMBERING' });
    const expectedPredecessor = previous
      ? previous.serializedHash
      : revision.number === 1
        ? null
        : revision.predecessorHash;
    if (revision.predecessorHash !== expectedPredecessor)
      problems.push({ revisionId: revision.id, problem: 'BROKEN_LINK' });
    previous = revision;
  }
  return problems;
}
