import { randomBytes } from 'node:crypto';
import { manualClock } from '@govblocks/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpoint } from '../checkpoint/checkpoint.js';
import { createNoteSigner, createNoteVerifier, generateNoteKey } from '../checkpoint/keys.js';
import { createAuditLog } from '../engine/audit-log.js';
import { createAuditSink } from '../engine/audit-sink.js';
import { memoryAuditStore } from '../engine/memory-store.js';
import { verifyConsistency } from '../tree/merkle.js';
import { exportBundle, importBundle, verifyBundle, verifyStore } from './bundle.js';

const origin = 'bundle.example/audit';
const keys = generateNoteKey(origin);
const signer = createNoteSigner(keys.signerKey);
const verifier = createNoteVerifier(keys.verifierKey);

async function buildLog(count: number) {
  const store = memoryAuditStore();
  const log = createAuditLog({ store, origin, signer });
  const clock = manualClock();
  const sink = createAuditSink({ log, pseudonymKey: randomBytes(32), clock });
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      sink.append({
        block: 'payments',
        action: 'payment.batch.approved',
        actor: { type: 'operator', id: `officer-${n % 3}` },
        subject: { type: 'individual', id: `NID-${n}`, personal: true },
        outcome: 'success',
        details: { n, note: 'x'.repeat(n % 7) },
      }),
    ),
  );
  return { store, log };
}

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

async function* chunks(text: string | Buffer, size = 97): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const verify = (text: string) =>
  verifyBundle(chunks(text), { keys: [verifier], origin, strict: true });

describe('bundles', () => {
  let bundle: string;
  let lines: string[];
  const size = 37;

  beforeAll(async () => {
    const { log } = await buildLog(size);
    bundle = await collect(exportBundle(log, { pageSize: 10 }));
    lines = bundle.split('\n').slice(0, -1);
  });

  it('exports a header with the checkpoint and one line per entry, and verifies', async () => {
    expect(lines).toHaveLength(size + 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'govblocks-audit-bundle/v1' });
    expect(JSON.parse(lines[5]!)).toMatchObject({ i: 4, e: { v: 1, block: 'payments' } });
    const progress: number[] = [];
    const result = await verifyBundle(chunks(bundle, 13), {
      keys: [verifier],
      onProgress: (done) => progress.push(done),
      progressEvery: 10,
    });
    expect(result).toMatchObject({ ok: true, size });
    expect(progress).toEqual([10, 20, 30, 37]);
  });

  it('fails with an unknown key or another origin', async () => {
    const other = createNoteVerifier(generateNoteKey(origin).verifierKey);
    const result = await verifyBundle(chunks(bundle), { keys: [other] });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/checkpoint/) });
    expect(result.ok ? 0 : result.index).toBeUndefined();
    expect(await verifyBundle(chunks(bundle), { keys: [verifier], origin: 'else' })).toMatchObject({
      ok: false,
    });
  });

  it('locates any single changed byte in an entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: size }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (line, offset, delta) => {
          const target = Buffer.from(lines[line]!);
          const at = offset % (target.length + 1); // the last position is the line's newline
          const bytes = Buffer.from(`${lines.slice(0, line).join('\n')}\n`);
          const tail = Buffer.from(`${lines.slice(line + 1).join('\n')}\n`);
          const changedLine = Buffer.concat([target, Buffer.from('\n')]);
          changedLine[at] = (changedLine[at]! + delta) % 256;
          const result = await verifyBundle(chunks(Buffer.concat([bytes, changedLine, tail])), {
            keys: [verifier],
            strict: true,
          }).catch(() => ({ ok: false, index: -1 }));
          // Changing the newline joins two lines; both ways the first failing entry is this one.
          expect(result).toMatchObject({ ok: false, index: line - 1 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('locates a deleted, duplicated or reordered entry, and truncation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: size }),
        fc.integer({ min: 1, max: size }),
        async (a, b) => {
          const join = (entries: string[]) => `${entries.join('\n')}\n`;
          const deleted = lines.filter((_, at) => at !== a);
          expect(await verify(join(deleted))).toMatchObject({
            ok: false,
            index: a === size ? size - 1 : a - 1,
          });
          const duplicated = [...lines.slice(0, a + 1), lines[a]!, ...lines.slice(a + 1)];
          expect(await verify(join(duplicated))).toMatchObject({ ok: false, index: a });
          if (a !== b) {
            const swapped = [...lines];
            [swapped[a], swapped[b]] = [swapped[b]!, swapped[a]!];
            expect(await verify(join(swapped))).toMatchObject({
              ok: false,
              index: Math.min(a, b) - 1,
            });
          }
          expect(await verify(join(lines.slice(0, a)))).toMatchObject({ ok: false, index: a - 1 });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('detects an entry rewritten together with its hash at the root', async () => {
    const entry = JSON.parse(lines[3]!) as { i: number; e: { details: { n: number } } };
    entry.e.details.n = 999;
    const { prepareLeaf } = await import('../engine/audit-log.js');
    const { auditEventSchema } = await import('../schemas.js');
    const prepared = prepareLeaf(auditEventSchema.parse(entry.e));
    const forged = [...lines];
    forged[3] = `{"i":2,"h":"${Buffer.from(prepared.leafHash).toString('base64url')}","e":${prepared.leaf}}`;
    const result = await verify(`${forged.join('\n')}\n`);
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? 0 : result.index).toBeUndefined();
    expect(result.ok ? '' : result.reason).toMatch(/different root/);
  });

  it('imports into an empty store with the same root; a bad bundle writes nothing', async () => {
    const store = memoryAuditStore();
    const result = await importBundle(() => chunks(bundle), { keys: [verifier], store });
    expect(result.size).toBe(size);
    const imported = createAuditLog({ store, origin, signer });
    expect(verifyCheckpoint(result.checkpoint, { keys: [verifier] }).rootHash).toEqual(
      new Uint8Array((await imported.head()).rootHash),
    );
    const empty = memoryAuditStore();
    const broken = `${lines.filter((_, at) => at !== 9).join('\n')}\n`;
    await expect(
      importBundle(() => chunks(broken), { keys: [verifier], store: empty }),
    ).rejects.toMatchObject({
      code: 'AUDIT_BUNDLE_INVALID',
      extensions: { index: 8 },
    });
    expect((await empty.head()).size).toBe(0);
    await expect(
      importBundle(() => chunks(bundle), { keys: [verifier], store }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a forked checkpoint fails consistency with the honest one', async () => {
    const honest = await buildLog(20);
    const forkStore = memoryAuditStore();
    // The fork shares the first 12 leaves, then rewrites leaf 12.
    const leaves = await honest.log.leaves(0, 20);
    const { prepareLeaf } = await import('../engine/audit-log.js');
    const { auditEventSchema } = await import('../schemas.js');
    const rewritten = leaves.map((leaf, at) => {
      const event = auditEventSchema.parse(JSON.parse(leaf.leaf));
      return prepareLeaf(at === 12 ? { ...event, outcome: 'denied' } : event);
    });
    await forkStore.append(rewritten);
    const fork = createAuditLog({ store: forkStore, origin, signer });
    const earlier = verifyCheckpoint(await honest.log.checkpoint(15), { keys: [verifier] });
    const forked = verifyCheckpoint(await fork.checkpoint(), { keys: [verifier] });
    const proof = await fork.consistencyProof(15);
    expect(verifyConsistency(15, 20, proof.path, earlier.rootHash, forked.rootHash)).toBe(false);
    const beforeFork = verifyCheckpoint(await honest.log.checkpoint(12), { keys: [verifier] });
    expect(
      verifyConsistency(
        12,
        20,
        (await fork.consistencyProof(12)).path,
        beforeFork.rootHash,
        forked.rootHash,
      ),
    ).toBe(true);
    void signCheckpoint;
  });
});

describe('store audit', () => {
  it('locates a changed, deleted, duplicated or reordered row in a store', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 24 }),
        fc.constantFrom('change', 'delete', 'duplicate', 'swap', 'renumber', 'truncate'),
        async (a, b, kind) => {
          const { store, log } = await buildLog(25);
          const checkpoint = await log.checkpoint();
          expect(
            await verifyStore(store, { checkpoint, keys: [verifier], origin, pageSize: 7 }),
          ).toMatchObject({ ok: true, size: 25 });
          const rows = store.rows;
          let expected: number;
          if (kind === 'change') {
            rows[a]!.leaf = rows[a]!.leaf.replace('"outcome":"success"', '"outcome":"denied"');
            expected = a;
          } else if (kind === 'delete') {
            rows.splice(a, 1);
            expected = a;
          } else if (kind === 'duplicate') {
            rows.splice(a, 0, { ...rows[a]! });
            expected = a + 1;
          } else if (kind === 'swap') {
            if (a === b) return;
            [rows[a], rows[b]] = [rows[b]!, rows[a]!];
            expected = Math.min(a, b);
          } else {
            rows.length = a;
            expected = a;
          }
          const result = await verifyStore(store, {
            checkpoint,
            keys: [verifier],
            origin,
            pageSize: 7,
          });
          expect(result).toMatchObject({ ok: false, index: expected });
        },
      ),
      { numRuns: 60 },
    );
  });
});
