import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Node } from './sha256-node.js';

describe('sha256Node', () => {
  it('equals node:crypto SHA-256(0x01 ‖ left ‖ right) on any 32-byte inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (left, right) => {
          const expected = hash('sha256', Buffer.concat([Buffer.from([1]), left, right]), 'buffer');
          expect(sha256Node(left, right).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
    const ones = new Uint8Array(32).fill(255);
    expect(
      sha256Node(ones, ones).equals(
        hash('sha256', Buffer.concat([Buffer.from([1]), ones, ones]), 'buffer'),
      ),
    ).toBe(true);
  });
});
