// Child process of bundle.bench.ts: runs one measurement in a fresh process so that its peak
// RSS (process.resourceUsage().maxRSS) is that measurement's alone. Prints one JSON line.
import { hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { verifyBundle } from '../src/bundle/bundle.js';
import { createNoteVerifier } from '../src/checkpoint/keys.js';

const [mode, file, verifierKey] = process.argv.slice(2) as [string, string, string];

async function rawHash(): Promise<number> {
  let count = 0;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buffer: Buffer = carry.length
      ? Buffer.concat([carry, chunk as Buffer])
      : (chunk as Buffer);
    let start = 0;
    for (let end = buffer.indexOf(10, start); end >= 0; end = buffer.indexOf(10, start)) {
      hash('sha256', buffer.subarray(start, end), 'buffer');
      count += 1;
      start = end + 1;
    }
    carry = buffer.subarray(start);
  }
  return count;
}

const rssAtStart = process.memoryUsage().rss;
const start = performance.now();
if (mode === 'raw') {
  await rawHash();
} else {
  const result = await verifyBundle(createReadStream(file, { highWaterMark: 1 << 20 }), {
    keys: [createNoteVerifier(verifierKey)],
  });
  if (!result.ok) throw new Error(`bundle did not verify: ${result.reason}`);
}
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRss: process.resourceUsage().maxRSS * 1024, rssAtStart }));
