import { describe, expect, it } from 'vitest';
import {
  AdapterError,
  ConflictError,
  callAdapter,
  GovBlocksError,
  isGovBlocksError,
  NotFoundError,
  toGovBlocksError,
  ValidationError,
} from './errors.js';

describe('GovBlocksError', () => {
  it('produces RFC 9457 problem details with a stable code', () => {
    const error = new NotFoundError('[consent] policy 42 not found');
    expect(error.toProblem('req-1')).toEqual({
      type: 'urn:govblocks:problem:not-found',
      title: 'Not Found',
      status: 404,
      detail: '[consent] policy 42 not found',
      code: 'NOT_FOUND',
      instance: 'req-1',
    });
  });

  it('lists validation issues by field', () => {
    const error = new ValidationError('bad', [{ pointer: '/amount', detail: 'too small' }]);
    expect(error.status).toBe(400);
    expect(error.toProblem().errors).toEqual([{ pointer: '/amount', detail: 'too small' }]);
  });

  it('is recognised across package copies by its symbol marker', () => {
    const foreign = { [Symbol.for('govblocks.error')]: true, code: 'X' };
    expect(isGovBlocksError(foreign)).toBe(true);
    expect(isGovBlocksError(new Error('x'))).toBe(false);
    expect(isGovBlocksError(null)).toBe(false);
    expect(GovBlocksError.isInstance(new ConflictError('dup'))).toBe(true);
  });

  it('never reveals an unexpected error in its problem', () => {
    const problem = toGovBlocksError(new Error('password=hunter2 at /etc/secret')).toProblem();
    expect(JSON.stringify(problem)).not.toContain('hunter2');
    expect(problem.status).toBe(500);
    expect(problem.code).toBe('INTERNAL');
  });

  it('wraps vendor failures at the adapter seam and passes ours through', async () => {
    await expect(
      callAdapter('acme-rail', 'submit', () => Promise.reject(new TypeError('x'))),
    ).rejects.toBeInstanceOf(AdapterError);
    const ours = new ConflictError('stale', { code: 'STALE' as 'CONFLICT' });
    await expect(callAdapter('acme-rail', 'submit', () => Promise.reject(ours))).rejects.toBe(ours);
    expect(await callAdapter('acme-rail', 'submit', () => 7)).toBe(7);
  });
});
