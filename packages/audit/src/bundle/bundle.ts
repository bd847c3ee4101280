import { hash } from 'node:crypto';
import { ConflictError, isGovBlocksError } from '@govblocks/core';
import { verifyCheckpoint } from '../checkpoint/checkpoint.js';
import type { NoteVerifier } from '../checkpoint/keys.js';
import { prepareLeaf } from '../engine/audit-log.js';
import { AuditError } from '../errors.js';
import type { AuditLog, AuditStore } from '../ports.js';
import { auditEventSchema } from '../schemas.js';
import type { CompletedNode } from '../tree/compact-range.js';
import { type Hash, hashesEqual } from '../tree/merkle.js';
import { createStreamVerifier, type VerificationResult } from './stream-verifier.js';

/**
 * The bundle format (`govblocks-audit-bundle/v1`), JSON Lines:
 *
 * ```
 * {"format":"govblocks-audit-bundle/v1","checkpoint":"<signed checkpoint note>"}
 * {"i":0,"h":"<leaf hash, base64url>","e":<the leaf: canonical JSON of the event, verbatim>}
 * …
 * ```
 *
 * The leaf is embedded byte for byte (canonical JSON is valid JSON), so a verifier hashes the
 * bytes between `"e":` and the final `}` without re-serialising anything.
 */
export const bundleFormat = 'govblocks-audit-bundle/v1';

export interface BundleHeader {
  format: typeof bundleFormat;
  checkpoint: string;
}

/**
 * Streams a bundle of the first `size` entries (default: the current size), with a checkpoint
 * signed for exactly that size, as lines ending in `\n`. Reads `pageSize` leaves at a time.
 */
export async function* exportBundle(
  log: AuditLog,
  options: { size?: number; pageSize?: number } = {},
): AsyncGenerator<string> {
  const size = options.size ?? (await log.head()).size;
  const checkpoint = await log.checkpoint(size);
  yield `${JSON.stringify({ format: bundleFormat, checkpoint } satisfies BundleHeader)}\n`;
  const pageSize = options.pageSize ?? 1_000;
  for (let from = 0; from < size; from += pageSize) {
    const leaves = await log.leaves(from, Math.min(size, from + pageSize));
    if (leaves.length !== Math.min(size, from + pageSize) - from) {
      throw new AuditError(
        'AUDIT_STORE_CORRUPT',
        `[audit/bundle] the store returned ${leaves.length} leaves at ${from}`,
      );
    }
    let chunk = '';
    for (const leaf of leaves) {
      chunk += `{"i":${leaf.index},"h":"${Buffer.from(leaf.leafHash).toString('base64url')}","e":${leaf.leaf}}\n`;
    }
    yield chunk;
  }
}

export interface VerifyBundleOptions {
  /** Trusted log keys (several during a key rotation). */
  keys: readonly NoteVerifier[];
  /** Expected origin of the checkpoint. */
  origin?: string;
  /** Also parse every event against `auditEventSchema` and check it is canonical (slower). */
  strict?: boolean;
  /** Called every `progressEvery` entries (default 10,000) with the count so far and the signed size. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  /** Longest accepted line in bytes (memory bound). Default 1 MiB. */
  maxLineBytes?: number;
}

export type BundleVerification = VerificationResult & { checkpoint?: string };

const newline = 0x0a;
const prefixI = Buffer.from('{"i":');
const prefixH = Buffer.from(',"h":"');
const prefixE = Buffer.from('","e":');

/**
 * Splits a byte stream into lines, a chunk's worth at a time (one await per chunk, not per
 * line), holding at most one partial line besides the chunk.
 */
async function* lineBatches(
  source: AsyncIterable<Uint8Array | string>,
  maxLineBytes: number,
): AsyncGenerator<Buffer[]> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    const buffer: Buffer = carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes;
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = buffer.indexOf(newline, start); end >= 0; end = buffer.indexOf(newline, start)) {
      lines.push(buffer.subarray(start, end));
      start = end + 1;
    }
    carry = buffer.subarray(start);
    if (lines.length > 0) yield lines;
    if (carry.length > maxLineBytes) throw new RangeError('line too long');
  }
  if (carry.length > 0) yield [carry];
}

function startsWithAt(line: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > line.length) return false;
  for (let offset = 0; offset < prefix.length; offset++)
    if (line[at + offset] !== prefix[offset]) return false;
  return true;
}

/** Where the parts of an entry line are: its claimed index, the leaf hash text and the leaf bytes. No allocation. */
function parseEntryLine(
  line: Buffer,
): { index: number; hashStart: number; leafStart: number } | undefined {
  if (line.length < 60 || !startsWithAt(line, 0, prefixI) || line[line.length - 1] !== 0x7d)
    return undefined;
  let position = prefixI.length;
  let index = 0;
  const digitsStart = position;
  while (
    position < line.length &&
    line[position]! >= 0x30 &&
    line[position]! <= 0x39 &&
    position - digitsStart < 16
  ) {
    index = index * 10 + (line[position]! - 0x30);
    position += 1;
  }
  if (position === digitsStart || (line[digitsStart] === 0x30 && position - digitsStart > 1))
    return undefined;
  if (!startsWithAt(line, position, prefixH)) return undefined;
  const hashStart = position + prefixH.length;
  if (!startsWithAt(line, hashStart + 43, prefixE)) return undefined;
  return { index, hashStart, leafStart: hashStart + 43 + prefixE.length };
}

const base64UrlValues = new Int8Array(128).fill(-1);
for (const [value, char] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
].entries()) {
  base64UrlValues[char.charCodeAt(0)] = value;
}

/** Whether the 43 base64url characters at `start` encode exactly `hash` (32 bytes), without allocating. */
function base64UrlMatches(line: Buffer, start: number, hash: Uint8Array): boolean {
  let bits = 0;
  let buffered = 0;
  let byte = 0;
  for (let position = start; position < start + 43; position++) {
    const value = base64UrlValues[line[position]! & 0x7f]!;
    if (value < 0 || line[position]! > 0x7f) return false;
    bits = (bits << 6) | value;
    buffered += 6;
    if (buffered >= 8) {
      buffered -= 8;
      if (((bits >> buffered) & 0xff) !== hash[byte]) return false;
      byte += 1;
    }
  }
  // The last character carries 2 padding bits, which must be zero (canonical encoding).
  return byte === 32 && (bits & ((1 << buffered) - 1)) === 0;
}

/**
 * `SHA-256(0x00 ‖ leaf)` without copying the leaf: the byte just before it (the `:` of `"e":`)
 * is set to 0x00 for the call and restored.
 */
function hashLeafInPlace(line: Buffer, leafStart: number): Buffer {
  const at = leafStart - 1;
  const saved = line[at]!;
  line[at] = 0;
  try {
    return hash('sha256', line.subarray(at, line.length - 1), 'buffer');
  } finally {
    line[at] = saved;
  }
}

/**
 * Verifies a bundle as it streams, in bounded memory (one line plus O(log n) hashes): the
 * checkpoint's signature with `keys`, each entry's index (no gap, duplicate or reordering) and
 * leaf hash, the count, and the recomputed root against the checkpoint. Never throws for a bad
 * bundle: returns the first failing entry index (when one is to blame) and the reason.
 */
export async function verifyBundle(
  source: AsyncIterable<Uint8Array | string>,
  options: VerifyBundleOptions,
): Promise<BundleVerification> {
  const verifier = createStreamVerifier();
  const every = options.progressEvery ?? 10_000;
  let expected: { size: number; rootHash: Hash } | undefined;
  let checkpoint: string | undefined;
  try {
    for await (const lines of lineBatches(source, options.maxLineBytes ?? 1_048_576)) {
      for (const line of lines) {
        if (!expected) {
          let header: Partial<BundleHeader>;
          try {
            header = JSON.parse(line.toString('utf8')) as Partial<BundleHeader>;
          } catch {
            return { ok: false, reason: 'the first line is not a bundle header' };
          }
          if (header.format !== bundleFormat || typeof header.checkpoint !== 'string') {
            return { ok: false, reason: `the first line is not a ${bundleFormat} header` };
          }
          try {
            const verified = verifyCheckpoint(header.checkpoint, {
              keys: options.keys,
              origin: options.origin,
            });
            expected = { size: verified.size, rootHash: verified.rootHash };
            checkpoint = header.checkpoint;
          } catch (error) {
            return {
              ok: false,
              reason: `checkpoint: ${error instanceof Error ? error.message : String(error)}`,
            };
          }
          continue;
        }
        const at = verifier.count;
        const entry = parseEntryLine(line);
        if (!entry)
          return { ok: false, index: at, reason: `entry ${at} is not a well-formed bundle line` };
        const leafHash = hashLeafInPlace(line, entry.leafStart);
        const matches = base64UrlMatches(line, entry.hashStart, leafHash);
        const failure = verifier.pushHashed(entry.index, leafHash, matches);
        if (failure) return failure;
        if (options.strict) {
          const text = line.toString('utf8', entry.leafStart, line.length - 1);
          let canonical: string | undefined;
          try {
            canonical = prepareLeaf(auditEventSchema.parse(JSON.parse(text))).leaf;
          } catch {
            canonical = undefined;
          }
          if (canonical !== text)
            return { ok: false, index: at, reason: `entry ${at} is not a canonical audit event` };
        }
        if (options.onProgress && verifier.count % every === 0)
          options.onProgress(verifier.count, expected.size);
      }
    }
  } catch (error) {
    if (error instanceof RangeError)
      return { ok: false, index: verifier.count, reason: `entry ${verifier.count}: line too long` };
    throw error;
  }
  if (!expected) return { ok: false, reason: 'empty bundle' };
  options.onProgress?.(verifier.count, expected.size);
  return { ...verifier.finish(expected), checkpoint };
}

/**
 * Imports a verified bundle into an empty store, keeping every leaf byte for byte, so the
 * imported log has the same root and the bundle's checkpoint verifies against it. `open` is
 * called twice (verify, then import), so nothing is written unless the whole bundle verifies.
 * `AUDIT_BUNDLE_INVALID` (with `extensions.index`) for a bad bundle; `CONFLICT` for a non-empty store.
 */
export async function importBundle(
  open: () => AsyncIterable<Uint8Array | string>,
  options: VerifyBundleOptions & { store: AuditStore; batchSize?: number },
): Promise<{ size: number; rootHash: Hash; checkpoint: string }> {
  if ((await options.store.head()).size !== 0)
    throw new ConflictError('[audit/bundle] import needs an empty store');
  const verification = await verifyBundle(open(), { ...options, strict: true });
  if (!verification.ok) {
    throw new AuditError('AUDIT_BUNDLE_INVALID', `[audit/bundle] ${verification.reason}`, {
      extensions: verification.index === undefined ? {} : { index: verification.index },
    });
  }
  const batchSize = options.batchSize ?? 1_000;
  let batch: ReturnType<typeof prepareLeaf>[] = [];
  let header = true;
  for await (const lines of lineBatches(open(), options.maxLineBytes ?? 1_048_576)) {
    for (const line of lines) {
      if (header) {
        header = false;
        continue;
      }
      const entry = parseEntryLine(line)!;
      const text = line.toString('utf8', entry.leafStart, line.length - 1);
      batch.push(prepareLeaf(auditEventSchema.parse(JSON.parse(text))));
      if (batch.length === batchSize) {
        await options.store.append(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await options.store.append(batch);
  const head = await options.store.head();
  if (
    head.size !== verification.size ||
    !Buffer.from(head.rootHash).equals(Buffer.from(verification.rootHash))
  ) {
    throw new AuditError(
      'AUDIT_STORE_CORRUPT',
      '[audit/bundle] the imported log does not have the bundle root',
    );
  }
  return { size: head.size, rootHash: head.rootHash, checkpoint: verification.checkpoint! };
}

/**
 * Audits a store end to end, in bounded memory: every stored leaf against its stored hash, the
 * indexes for gaps, duplicates and reordering, every stored subtree hash against the one
 * recomputed from the leaves (which locates entries moved together with their hashes to the
 * subtree they broke), and the recomputed root against the store's head — and against
 * `checkpoint`, when given, verified with `keys`. Returns the first failing index and why.
 */
export async function verifyStore(
  store: AuditStore,
  options: {
    checkpoint?: string;
    keys?: readonly NoteVerifier[];
    origin?: string;
    pageSize?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<VerificationResult> {
  const head = await store.head();
  let expected = { size: head.size, rootHash: head.rootHash };
  if (options.checkpoint !== undefined) {
    try {
      const signed = verifyCheckpoint(options.checkpoint, {
        keys: options.keys ?? [],
        origin: options.origin,
      });
      if (signed.size > head.size) {
        return {
          ok: false,
          index: head.size,
          reason: `the store holds ${head.size} entries, the checkpoint signs ${signed.size}`,
        };
      }
      expected = { size: signed.size, rootHash: signed.rootHash };
    } catch (error) {
      return {
        ok: false,
        reason: `checkpoint: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  let completed: CompletedNode[] = [];
  const verifier = createStreamVerifier({ onNode: (node) => completed.push(node) });
  const pageSize = options.pageSize ?? 1_000;
  for (let from = 0; from < expected.size; from += pageSize) {
    const leaves = await store.leaves(from, Math.min(expected.size, from + pageSize));
    for (const leaf of leaves) {
      const failure = verifier.push(leaf.index, leaf.leaf, leaf.leafHash);
      if (failure) return failure;
    }
    if (verifier.count < Math.min(expected.size, from + pageSize)) break;
    // The subtree hashes this page completed, against the stored ones (one read per page).
    const nodes = completed;
    completed = [];
    const readNode = async (keys: CompletedNode[]): Promise<Array<Hash | undefined>> => {
      try {
        return keys.length > 0 ? await store.nodes(keys) : [];
      } catch (error) {
        if (!isGovBlocksError(error) || error.code !== 'AUDIT_INDEX_OUT_OF_RANGE') throw error;
        // Some node is missing: look them up one by one to name the first.
        if (keys.length === 1) return [undefined];
        const one: Array<Hash | undefined> = [];
        for (const key of keys) one.push(...(await readNode([key])));
        return one;
      }
    };
    const stored = await readNode(nodes);
    for (const [position, node] of nodes.entries()) {
      const hash = stored?.[position];
      if (!hash || !hashesEqual(hash, node.hash)) {
        const start = node.index * 2 ** node.level;
        const end = start + 2 ** node.level - 1;
        return {
          ok: false,
          index: start,
          reason: `entries ${start}–${end} do not match the stored subtree hash (entries rewritten or reordered with their hashes)`,
        };
      }
    }
    options.onProgress?.(verifier.count, expected.size);
  }
  if (verifier.count === head.size && (await store.leaves(head.size, head.size + 1)).length > 0) {
    return {
      ok: false,
      index: head.size,
      reason: `the store holds rows beyond its head (size ${head.size})`,
    };
  }
  return verifier.finish(expected);
}
