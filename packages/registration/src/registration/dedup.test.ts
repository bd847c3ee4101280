import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exactIdentifierDedup,
  normalisedNameBirthDateDedup,
  normaliseName,
  valueAt,
} from './dedup.js';
import { filesystemDocumentStore } from './document-stores.js';

describe('duplicate rules', () => {
  it('matches identifiers on letters and digits only', () => {
    const rule = exactIdentifierDedup({ fields: ['/id'] });
    expect(rule.score({ id: 'AB-12 3' }, { id: 'ab123' })).toBe(1);
    expect(rule.score({ id: 'AB-124' }, { id: 'ab123' })).toBe(0);
    expect(rule.score({ id: '' }, { id: '' })).toBe(0);
    expect(rule.score({}, {})).toBe(0);
  });

  it('weighs normalised names and birth dates', () => {
    const rule = normalisedNameBirthDateDedup({
      name: ['/first', '/last'],
      birthDate: '/born',
      weights: { name: 0.6, birthDate: 0.4 },
      threshold: 0.9,
    });
    const a = { first: 'Zoë', last: "O'Brien", born: '2020-01-02' };
    expect(
      rule.score(a, { first: 'zoe', last: 'OBRIEN ', born: '2020-01-02T00:00:00Z' }),
    ).toBeCloseTo(1);
    expect(rule.score(a, { first: 'Zoe', last: 'OBrien', born: '2020-01-03' })).toBeCloseTo(0.6);
    expect(rule.score(a, { first: 'Zoe', last: 'OBrian', born: '2020-01-02' })).toBeCloseTo(0.4);
  });

  it('normalises names idempotently (property)', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        expect(normaliseName(normaliseName(name))).toBe(normaliseName(name));
      }),
    );
  });

  it('reads JSON pointers', () => {
    expect(valueAt({ a: { 'b/c': [1, 2] } }, '/a/b~1c/1')).toBe(2);
    expect(valueAt({ a: 1 }, '/b')).toBeUndefined();
  });
});

describe('filesystem document store', () => {
  it('writes, reads back and deletes files', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gb-docs-'));
    try {
      const store = filesystemDocumentStore({ directory: join(directory, 'nested') });
      const id = '01900000-0000-7000-8000-000000000001';
      await store.put(id, new Uint8Array([1, 2, 3]), {
        contentType: 'application/pdf',
        sha256: 'x',
      });
      expect([...((await store.get(id)) ?? [])]).toEqual([1, 2, 3]);
      await store.delete(id);
      expect(await store.get(id)).toBeUndefined();
      await expect(store.get('../etc/passwd')).rejects.toMatchObject({
        code: 'CONFIGURATION_ERROR',
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('createRegistrationService options', () => {
  it('refuses a registry of another specification version', async () => {
    const { createRegistrationService } = await import('./engine.js');
    const { memoryRegistrationStore } = await import('./memory-store.js');
    expect(() =>
      createRegistrationService({
        store: memoryRegistrationStore(),
        audit: { record: async () => {} },
        registry: { specificationVersion: 'registry/v2' } as never,
      }),
    ).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SPECIFICATION_VERSION' }));
  });
});
