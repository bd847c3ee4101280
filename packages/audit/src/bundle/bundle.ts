import { ConflictError } from '@govblocks/core';
import { verifyCheckpoint } from '../checkpoint/checkpoint.js';
import type { NoteVerifier } from '../checkpoint/keys.js';
import { prepareLeaf } from '../engine/audit-log.js';
import { AuditError } from '../errors.js';
import type { AuditLog, AuditStore } from '../ports.js';
import { auditEventSchema } from '../schemas.js';
import type { Hash } from '../tree/merkle.js';
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

/** Splits a byte stream into lines without holding more than one partial line. */
async function* linesOf(
  source: AsyncIterable<Uint8Array | string>,
  maxLineBytes: number,
): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const buffer: Buffer =
      carry.length > 0 ? Buffer.concat([carry, Buffer.from(chunk)]) : Buffer.from(chunk);
    let start = 0;
    for (let end = buffer.indexOf(newline, start); end >= 0; end = buffer.indexOf(newline, start)) {
      yield buffer.subarray(start, end);
      start = end + 1;
    }
    carry = buffer.subarray(start);
    if (carry.length > maxLineBytes) throw new RangeError('line too long');
  }
  if (carry.length > 0) yield carry;
}

/** Parses one entry line into its claimed index, leaf hash and leaf bytes, or undefined when malformed. */
function parseEntryLine(line: Buffer): { index: number; hash: Hash; leaf: Buffer } | undefined {
  if (
    line.length < 60 ||
    !line.subarray(0, prefixI.length).equals(prefixI) ||
    line[line.length - 1] !== 0x7d
  )
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
  if (!line.subarray(position, position + prefixH.length).equals(prefixH)) return undefined;
  position += prefixH.length;
  const hashText = line.subarray(position, position + 43).toString('latin1');
  if (!/^[A-Za-z0-9_-]{43}$/.test(hashText)) return undefined;
  position += 43;
  if (!line.subarray(position, position + prefixE.length).equals(prefixE)) return undefined;
  position += prefixE.length;
  return {
    index,
    hash: Buffer.from(hashText, 'base64url'),
    leaf: line.subarray(position, line.length - 1),
  };
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
    for await (const line of linesOf(source, options.maxLineBytes ?? 1_048_576)) {
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
      const entry = parseEntryLine(line);
      const at = verifier.count;
      if (!entry)
        return { ok: false, index: at, reason: `entry ${at} is not a well-formed bundle line` };
      const failure = verifier.push(entry.index, entry.leaf, entry.hash);
      if (failure) return failure;
      if (options.strict) {
        const text = entry.leaf.toString('utf8');
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
  for await (const line of linesOf(open(), options.maxLineBytes ?? 1_048_576)) {
    if (header) {
      header = false;
      continue;
    }
    const entry = parseEntryLine(line)!;
    batch.push(prepareLeaf(auditEventSchema.parse(JSON.parse(entry.leaf.toString('utf8')))));
    if (batch.length === batchSize) {
      await options.store.append(batch);
      batch = [];
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
 * Audits a log's store end to end, in bounded memory: every stored leaf against its stored hash,
 * the indexes for gaps, duplicates and reordering, and the recomputed root against the store's
 * head (and against `checkpoint`, when given, verified with `keys`).
 */
export async function verifyLogStore(
  log: AuditLog,
  options: {
    checkpoint?: string;
    keys?: readonly NoteVerifier[];
    pageSize?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<VerificationResult> {
  const head = await log.head();
  let expected = { size: head.size, rootHash: head.rootHash };
  if (options.checkpoint !== undefined) {
    try {
      const signed = verifyCheckpoint(options.checkpoint, {
        keys: options.keys ?? [],
        origin: log.origin,
      });
      if (signed.size > head.size)
        return {
          ok: false,
          index: head.size,
          reason: `the store holds ${head.size} entries, the checkpoint signs ${signed.size}`,
        };
      expected = { size: signed.size, rootHash: signed.rootHash };
    } catch (error) {
      return {
        ok: false,
        reason: `checkpoint: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  const verifier = createStreamVerifier();
  const pageSize = options.pageSize ?? 1_000;
  for (let from = 0; from < expected.size; from += pageSize) {
    const leaves = await log.leaves(from, Math.min(expected.size, from + pageSize));
    for (const leaf of leaves) {
      const failure = verifier.push(leaf.index, leaf.leaf, leaf.leafHash);
      if (failure) return failure;
    }
    if (verifier.count < Math.min(expected.size, from + pageSize)) break;
    options.onProgress?.(verifier.count, expected.size);
  }
  if (verifier.count === head.size && (await log.leaves(head.size, head.size + 1)).length > 0) {
    return {
      ok: false,
      index: head.size,
      reason: `the store holds rows beyond its head (size ${head.size})`,
    };
  }
  return verifier.finish(expected);
}
