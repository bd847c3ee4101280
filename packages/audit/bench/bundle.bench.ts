import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineBench } from '../../../tools/bench/harness.js';
import { signCheckpoint } from '../src/checkpoint/checkpoint.js';
import { createNoteSigner, generateNoteKey } from '../src/checkpoint/keys.js';
import { appendLeaves, compactRangeRoot, emptyCompactRange } from '../src/tree/compact-range.js';
import { mb, preparedLeaves } from './fixtures.js';

// Streaming verification of a bundle (checkpoint signature, per-entry index and leaf hash,
// root recomputed through a compact range) against raw SHA-256 of each line of the same file.
// AUDIT_BENCH_BUNDLE_SIZE=1000000 for the figure.
const size = Number(process.env.AUDIT_BENCH_BUNDLE_SIZE ?? 200_000);
const origin = 'bench.example/audit';

/** Writes the entries to a side file while computing the root, then header + entries to `file`. */
async function writeBundle(file: string) {
  const keys = generateNoteKey(origin);
  const bodyFile = `${file}.body`;
  const writeAll = async (
    path: string,
    chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>,
  ) => {
    const out = createWriteStream(path);
    for await (const chunk of chunks) {
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
  };
  let range = emptyCompactRange();
  await writeAll(
    bodyFile,
    (function* () {
      for (let from = 0; from < size; from += 10_000) {
        const leaves = preparedLeaves(Math.min(10_000, size - from), from);
        range = appendLeaves(
          range,
          leaves.map((leaf) => leaf.leafHash),
        );
        yield leaves
          .map(
            (leaf, offset) =>
              `{"i":${from + offset},"h":"${Buffer.from(leaf.leafHash).toString('base64url')}","e":${leaf.leaf}}\n`,
          )
          .join('');
      }
    })(),
  );
  const checkpoint = signCheckpoint(
    origin,
    { size, rootHash: compactRangeRoot(range) },
    createNoteSigner(keys.signerKey),
  );
  await writeAll(
    file,
    (async function* () {
      yield `${JSON.stringify({ format: 'govblocks-audit-bundle/v1', checkpoint })}\n`;
      for await (const chunk of createReadStream(bodyFile, { highWaterMark: 1 << 20 }))
        yield chunk as Buffer;
    })(),
  );
  rmSync(bodyFile, { force: true });
  return keys.verifierKey;
}

const child = fileURLToPath(new URL('./bundle-child.ts', import.meta.url));

/** One measurement in a fresh process (so peak RSS is its own). */
function measure(
  mode: 'raw' | 'verify',
  file: string,
  verifierKey: string,
): { ms: number; maxRss: number; rssAtStart: number } {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', child, mode, file, verifierKey],
    { encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').pop()!);
}

export default defineBench({
  name: `verify a ${size.toLocaleString('en-US')}-entry bundle vs raw SHA-256 of its lines`,
  async run() {
    const file = join(tmpdir(), `govblocks-audit-bench-${process.pid}.jsonl`);
    try {
      const verifierKey = await writeBundle(file);
      const raw: ReturnType<typeof measure>[] = [];
      const verified: ReturnType<typeof measure>[] = [];
      for (let round = 0; round < 3; round++) {
        raw.push(measure('raw', file, verifierKey));
        verified.push(measure('verify', file, verifierKey));
      }
      const best = (values: ReturnType<typeof measure>[]) =>
        Math.min(...values.map((value) => value.ms));
      const peak = (values: ReturnType<typeof measure>[]) =>
        Math.max(...values.map((value) => value.maxRss));
      return [
        {
          label: 'bundle',
          value: `${size.toLocaleString('en-US')} entries, ${mb(statSync(file).size)}`,
        },
        { label: 'raw SHA-256 of every line (best of 3)', value: `${best(raw).toFixed(0)} ms` },
        {
          label: 'verifyBundle (best of 3)',
          value: `${best(verified).toFixed(0)} ms, ${Math.round(size / (best(verified) / 1000)).toLocaleString('en-US')} entries/s`,
        },
        {
          label: 'time ratio verify ÷ raw',
          value: `${(best(verified) / best(raw)).toFixed(2)}×  (target ≤ 1.5×)`,
        },
        {
          label: 'peak RSS of the verifying process',
          value: `${mb(peak(verified))} (raw-hashing process: ${mb(peak(raw))}; node + tsx at start: ${mb(verified[0]!.rssAtStart)}; target ≤ 200 MB)`,
        },
      ];
    } finally {
      rmSync(file, { force: true });
    }
  },
});
