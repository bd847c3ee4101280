import { randomBytes } from 'node:crypto';
import { manualClock } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../checkpoint/checkpoint.js';
import { createNoteSigner, createNoteVerifier, generateNoteKey } from '../checkpoint/keys.js';
import { createAuditLog } from '../engine/audit-log.js';
import { createAuditSink, type LogAuditSink } from '../engine/audit-sink.js';
import type { AuditLog, AuditStore } from '../ports.js';
import { auditEventSchema } from '../schemas.js';
import { memorySubjectKeyStore, type SubjectKeyStore } from '../subject-keys.js';
import {
  hashLeaf,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../tree/merkle.js';

/** How the conformance kit gets a store. Every test starts from an empty log. */
export interface AuditStoreConformanceOptions {
  /** Shown in the describe title. */
  name: string;
  /** A store over empty storage (reset whatever the previous test wrote). */
  createStore: () => Promise<AuditStore>;
  /**
   * Another store instance over the same storage as the last `createStore()` (another process
   * or connection pool, for a shared database), to test that concurrent writers never fork or
   * leave gaps. Omit for stores that cannot be shared (the case is then skipped).
   */
  openSharedStore?: () => Promise<AuditStore>;
  /** Subject keys for the erasure case (default: a memory store). */
  createSubjectKeys?: () => Promise<SubjectKeyStore> | SubjectKeyStore;
  /** Writers × appends each in the concurrency case. Default 4 × 50. */
  concurrency?: { writers: number; appends: number };
}

const origin = 'conformance.example/audit';
const actor = { type: 'operator', id: 'officer-7' } as const;

/**
 * The conformance suite every {@link AuditStore} must pass: contiguous sequencing under group
 * commit, read-back of the exact leaf bytes, RFC 9162 proofs at every size, signed checkpoints,
 * indexed queries with paging, typed errors without partial writes, erasure that keeps proofs
 * valid, and (when the store can be shared) concurrent writers.
 *
 * @example
 * describeAuditStoreConformance({ name: 'memory', createStore: async () => memoryAuditStore() });
 */
export function describeAuditStoreConformance(options: AuditStoreConformanceOptions): void {
  describe(`audit store conformance: ${options.name}`, () => {
    const keys = generateNoteKey(origin);
    const signer = createNoteSigner(keys.signerKey);
    const verifier = createNoteVerifier(keys.verifierKey);
    let store: AuditStore;
    let log: AuditLog;
    let sink: LogAuditSink;
    let subjectKeys: SubjectKeyStore;
    const clock = manualClock('2025-03-01T10:00:00.000Z');

    beforeEach(async () => {
      clock.set('2025-03-01T10:00:00.000Z');
      store = await options.createStore();
      subjectKeys = (await options.createSubjectKeys?.()) ?? memorySubjectKeyStore();
      log = createAuditLog({ store, origin, signer, maxBatch: 16 });
      sink = createAuditSink({ log, pseudonymKey: randomBytes(32), clock, subjectKeys });
    });

    const event = (n: number) => ({
      block: ['consent', 'payments', 'registration'][n % 3]!,
      action: n % 2 === 0 ? 'thing.created' : 'thing.updated',
      actor: { type: 'operator' as const, id: `officer-${n % 4}` },
      subject: { type: 'individual', id: `NID-${n % 5}`, personal: true },
      outcome: 'success' as const,
      details: { n },
    });

    async function appendMany(count: number) {
      const receipts = [];
      for (let n = 0; n < count; n++) {
        receipts.push(sink.append(event(n)));
        clock.advance(1000);
      }
      return Promise.all(receipts);
    }

    it('starts empty: size 0 and the root of the empty tree', async () => {
      const head = await log.head();
      expect(head.size).toBe(0);
      expect(Buffer.from(head.rootHash).toString('hex')).toBe(
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      );
      expect(await store.leaves(0, 10)).toEqual([]);
    });

    it('sequences concurrent appends contiguously (group commit over several batches)', async () => {
      const receipts = await appendMany(40);
      expect(receipts.map((receipt) => receipt.index)).toEqual(
        Array.from({ length: 40 }, (_, index) => index),
      );
      expect((await log.head()).size).toBe(40);
      const later = await Promise.all([sink.append(event(1)), sink.append(event(2))]);
      expect(later.map((receipt) => receipt.index)).toEqual([40, 41]);
    });

    it('reads back the exact leaf bytes; hashes and root recompute from them; no identifier is stored', async () => {
      await appendMany(23);
      const leaves = await store.leaves(0, 100);
      expect(leaves.map((leaf) => leaf.index)).toEqual(
        Array.from({ length: 23 }, (_, index) => index),
      );
      for (const stored of leaves) {
        expect(Buffer.from(stored.leafHash)).toEqual(Buffer.from(hashLeaf(stored.leaf)));
        const parsed = auditEventSchema.parse(JSON.parse(stored.leaf));
        expect(parsed.subject?.pseudonym).toBe(sink.pseudonymOf(`NID-${stored.index % 5}`));
        expect(stored.leaf).not.toContain('NID-');
      }
      const head = await log.head();
      expect(Buffer.from(head.rootHash)).toEqual(
        Buffer.from(rootFromLeafHashes(leaves.map((leaf) => leaf.leafHash))),
      );
      expect((await log.entry(7)).event.details).toEqual({ n: 7 });
    });

    it('inclusion proofs verify for every leaf at every size; consistency proofs between sizes', async () => {
      await appendMany(19);
      for (const size of [1, 2, 3, 5, 8, 13, 16, 19]) {
        const root = await log.rootAt(size);
        for (let index = 0; index < size; index++) {
          const proof = await log.inclusionProof(index, size);
          expect(verifyInclusion(proof.leafHash, index, size, proof.path, root)).toBe(true);
        }
        for (const first of [0, 1, 2, 4, 7, size]) {
          if (first > size) continue;
          const proof = await log.consistencyProof(first, size);
          expect(verifyConsistency(first, size, proof.path, await log.rootAt(first), root)).toBe(
            true,
          );
        }
      }
      const head = await log.head();
      expect(Buffer.from(await log.rootAt(19))).toEqual(Buffer.from(head.rootHash));
    });

    it('signs checkpoints of the current and of earlier sizes', async () => {
      await appendMany(9);
      const checkpoint = verifyCheckpoint(await log.checkpoint(), { keys: [verifier], origin });
      expect(checkpoint.size).toBe(9);
      expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from((await log.head()).rootHash));
      const earlier = verifyCheckpoint(await log.checkpoint(4), { keys: [verifier] });
      expect(Buffer.from(earlier.rootHash)).toEqual(Buffer.from(await log.rootAt(4)));
    });

    it('queries by subject, actor, action, block and time range, with paging', async () => {
      await appendMany(30);
      const all = async (query: Parameters<AuditLog['query']>[0]) => {
        const indexes: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await log.query({ ...query, limit: 4, ...(cursor ? { cursor } : {}) });
          expect(page.entries.length).toBeLessThanOrEqual(4);
          indexes.push(...page.entries.map((entry) => entry.index));
          cursor = page.next;
        } while (cursor);
        return indexes;
      };
      const range = Array.from({ length: 30 }, (_, index) => index);
      expect(await all({ subject: sink.pseudonymOf('NID-2') })).toEqual(
        range.filter((n) => n % 5 === 2),
      );
      expect(await all({ actor: 'officer-1' })).toEqual(range.filter((n) => n % 4 === 1));
      expect(await all({ action: 'thing.updated' })).toEqual(range.filter((n) => n % 2 === 1));
      expect(await all({ block: 'payments', action: 'thing.created' })).toEqual(
        range.filter((n) => n % 3 === 1 && n % 2 === 0),
      );
      expect(
        await all({ from: '2025-03-01T10:00:10.000Z', to: '2025-03-01T10:00:15.000Z' }),
      ).toEqual([10, 11, 12, 13, 14]);
      expect(await all({})).toEqual(range);
      const page = await log.query({ actor: 'officer-3', limit: 2 });
      expect(page.entries.map((entry) => entry.event.actor.id)).toEqual(['officer-3', 'officer-3']);
      expect((await log.query({ actor: 'nobody' })).entries).toEqual([]);
      await expect(log.query({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('refuses bad input with typed errors and writes nothing', async () => {
      await appendMany(3);
      await expect(sink.record({ ...event(0), outcome: 'maybe' as never })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      await expect(log.append({ v: 1 } as never)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect((await log.head()).size).toBe(3);
      await expect(log.inclusionProof(3)).rejects.toMatchObject({
        code: 'AUDIT_INDEX_OUT_OF_RANGE',
      });
      await expect(log.inclusionProof(0, 4)).rejects.toMatchObject({
        code: 'AUDIT_INDEX_OUT_OF_RANGE',
      });
      await expect(log.consistencyProof(4)).rejects.toMatchObject({
        code: 'AUDIT_INDEX_OUT_OF_RANGE',
      });
      await expect(log.entry(3)).rejects.toMatchObject({ code: 'AUDIT_INDEX_OUT_OF_RANGE' });
      await expect(log.checkpoint(5)).rejects.toMatchObject({ code: 'AUDIT_INDEX_OUT_OF_RANGE' });
    });

    it('seals personal data per subject; erasure makes it unreadable while proofs still verify', async () => {
      const subject = { type: 'individual', id: 'NID-42', personal: true };
      const { index } = await sink.append({
        ...event(0),
        subject,
        personalData: { name: 'Ada Lovelace', phone: '+1 555' },
      });
      await sink.append({
        ...event(1),
        subject: { type: 'individual', id: 'NID-43', personal: true },
        personalData: { name: 'Grace' },
      });
      const stored = await log.entry(index);
      expect(stored.leaf).not.toContain('Ada');
      expect(await sink.reveal(stored.event)).toEqual({ name: 'Ada Lovelace', phone: '+1 555' });
      const before = await log.head();
      expect(await sink.erase('NID-42', actor, 'GDPR art. 17')).toBe(true);
      expect(await sink.reveal((await log.entry(index)).event)).toBeNull();
      expect(await sink.reveal((await log.entry(1)).event)).toEqual({ name: 'Grace' });
      const head = await log.head();
      expect(head.size).toBe(before.size + 1);
      const erasure = await log.entry(before.size);
      expect(erasure.event).toMatchObject({
        action: 'audit.subject.erased',
        subject: { pseudonym: sink.pseudonymOf('NID-42') },
      });
      const proof = await log.inclusionProof(index);
      expect(verifyInclusion(proof.leafHash, index, head.size, proof.path, head.rootHash)).toBe(
        true,
      );
      const consistency = await log.consistencyProof(before.size);
      expect(
        verifyConsistency(before.size, head.size, consistency.path, before.rootHash, head.rootHash),
      ).toBe(true);
      expect(await sink.erase('NID-42', actor)).toBe(false);
    });

    it.skipIf(!options.openSharedStore)(
      'concurrent writers on shared storage never fork or leave a gap',
      async () => {
        const { writers, appends } = options.concurrency ?? { writers: 4, appends: 50 };
        const logs = [log];
        for (let writer = 1; writer < writers; writer++) {
          logs.push(
            createAuditLog({ store: await options.openSharedStore!(), origin, maxBatch: 7 }),
          );
        }
        const sinks = logs.map((writerLog) =>
          createAuditSink({ log: writerLog, pseudonymKey: randomBytes(32), clock }),
        );
        const receipts = await Promise.all(
          sinks.map(async (writerSink, writer) => {
            const mine = [];
            for (let round = 0; round < appends; round += 5) {
              // Bursts of five in one tick (one group commit), then yield to the other writers.
              const burst = Array.from({ length: Math.min(5, appends - round) }, (_, offset) =>
                writerSink.append({
                  ...event(round + offset),
                  details: { writer, n: round + offset },
                }),
              );
              mine.push(...(await Promise.all(burst)));
            }
            return mine;
          }),
        );
        const indexes = receipts
          .flat()
          .map((receipt) => receipt.index)
          .sort((a, b) => a - b);
        expect(indexes).toEqual(Array.from({ length: writers * appends }, (_, index) => index));
        const head = await log.head();
        expect(head.size).toBe(writers * appends);
        const leaves = await store.leaves(0, head.size);
        expect(leaves).toHaveLength(writers * appends);
        expect(Buffer.from(rootFromLeafHashes(leaves.map((leaf) => hashLeaf(leaf.leaf))))).toEqual(
          Buffer.from(head.rootHash),
        );
        const proof = await log.inclusionProof(head.size - 1);
        expect(
          verifyInclusion(proof.leafHash, head.size - 1, head.size, proof.path, head.rootHash),
        ).toBe(true);
      },
    );
  });
}
