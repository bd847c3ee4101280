import { randomFillSync } from 'node:crypto';
import type { Clock } from './clock.js';

/** Generates unique ids. Inject one in tests for deterministic output. */
export type IdGenerator = () => string;

const hex: string[] = Array.from({ length: 256 }, (_, index) =>
  index.toString(16).padStart(2, '0'),
);

/**
 * Creates a UUIDv7 generator (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter
 * (`rand_a`, method 3 of RFC 9562 §6.2) so ids made in the same millisecond still sort in
 * creation order, then 62 random bits. Ids are therefore time-ordered, which keeps B-tree
 * indexes compact.
 *
 * @example
 * const newId = uuidv7Generator();
 * newId(); // '0193f5c2-8d5e-7a3b-9c41-5e8f0b7d2a16'
 */
export function uuidv7Generator(clock?: Clock): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  // Random bytes are drawn in bulk (as crypto.randomUUID does): one call per 512 ids.
  const pool = new Uint8Array(8 * 512);
  let offset = pool.length;
  const bytes = new Uint8Array(16);
  return () => {
    let ms = clock ? clock.now().getTime() : Date.now();
    if (ms <= lastMs) {
      // Same millisecond (or the clock stepped back): keep order by counting.
      counter += 1;
      if (counter > 0xfff) {
        lastMs += 1;
        counter = 0;
      }
      ms = lastMs;
    } else {
      lastMs = ms;
      counter = 0;
    }
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const random = pool.subarray(offset, offset + 8);
    offset += 8;
    // 48-bit big-endian timestamp (split: bitwise ops are 32-bit in JS).
    const high = Math.floor(ms / 0x10000);
    bytes[0] = (high >>> 24) & 0xff;
    bytes[1] = (high >>> 16) & 0xff;
    bytes[2] = (high >>> 8) & 0xff;
    bytes[3] = high & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (random[0]! & 0x3f);
    bytes.set(random.subarray(1), 9);
    let out = '';
    for (let index = 0; index < 16; index++) {
      if (index === 4 || index === 6 || index === 8 || index === 10) out += '-';
      out += hex[bytes[index]!];
    }
    return out;
  };
}

/** The default id generator (UUIDv7 on the system clock). */
export const newId: IdGenerator = uuidv7Generator();

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** True for a well-formed RFC 9562 UUID string (versions 1–8). */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** The Unix milliseconds encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  const digits = id.replaceAll('-', '').slice(0, 12);
  return Number.parseInt(digits, 16);
}
