import { isGovBlocksError } from '@govblocks/core';
import { expect } from 'vitest';

/** Expects `promise` to reject with a govblocks error of `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isGovBlocksError(error) ? error.code : error).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, but it resolved`);
}
