import { describe, expect, it } from 'vitest';
import { describeAuditStoreConformance } from '../testing/conformance.js';
import { createAuditLog } from './audit-log.js';
import { createAuditSink } from './audit-sink.js';
import { memoryAuditStore } from './memory-store.js';

let shared = memoryAuditStore();
describeAuditStoreConformance({
  name: 'memory',
  createStore: async () => {
    shared = memoryAuditStore();
    return shared;
  },
  openSharedStore: async () => shared,
});

describe('factories validate their options once', () => {
  it('refuses a bad store, origin, batch size or pseudonym key with CONFIGURATION_ERROR', () => {
    const store = memoryAuditStore();
    expect(() => createAuditLog({ store: {} as never, origin: 'x' })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_ERROR' }),
    );
    expect(() => createAuditLog({ store, origin: 'has space' })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_ERROR' }),
    );
    expect(() => createAuditLog({ store, origin: 'x', maxBatch: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_ERROR' }),
    );
    const log = createAuditLog({ store, origin: 'x' });
    expect(() => createAuditSink({ log, pseudonymKey: new Uint8Array(16) })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_ERROR' }),
    );
  });

  it('a log without a signer cannot checkpoint; personal data without a key store is refused', async () => {
    const log = createAuditLog({ store: memoryAuditStore(), origin: 'x' });
    await expect(log.checkpoint()).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR' });
    const sink = createAuditSink({ log, pseudonymKey: new Uint8Array(32) });
    const event = {
      block: 'b',
      action: 'a.b',
      actor: { type: 'system' as const, id: 's' },
      outcome: 'success' as const,
    };
    await expect(
      sink.record({
        ...event,
        subject: { type: 'individual', id: 'N1' },
        personalData: { name: 'x' },
      }),
    ).rejects.toMatchObject({
      code: 'CONFIGURATION_ERROR',
    });
    await expect(sink.record({ ...event, personalData: { name: 'x' } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect((await log.head()).size).toBe(0);
    // A non-personal subject keeps its id in clear (and its pseudonym), for lookups by id.
    const stored = await sink.prepare({
      ...event,
      subject: { type: 'payment-batch', id: 'PB-1', personal: false },
    });
    expect(stored.subject).toEqual({
      type: 'payment-batch',
      id: 'PB-1',
      pseudonym: sink.pseudonymOf('PB-1'),
    });
  });
});
