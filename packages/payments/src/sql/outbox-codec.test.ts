import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../ports.js';
import { decodeEvents, encodeEvents } from './outbox-codec.js';

/** What a consumer sees once the events went through JSON (key order included). */
const asJson = (events: ReadonlyArray<{ id: string; payload: unknown }>) =>
  JSON.stringify(events.map(({ id, payload }) => [id, payload]));

const roundTrip = (events: OutboxEvent[]) => {
  const decoded = decodeEvents(encodeEvents(events));
  expect(asJson(decoded)).toBe(asJson(events));
};

const instructionEvent = (index: number, extra: Record<string, unknown> = {}): OutboxEvent => {
  const id = `0193a6b0-0000-7000-8000-${String(index).padStart(12, '0')}`;
  return {
    topic: 'audit',
    id,
    payload: {
      block: 'payments',
      actor: { type: 'operator', id: 'maker' },
      time: '2026-11-25T17:00:00.000Z',
      action: 'payment.instruction.paid',
      subject: { type: 'payment-instruction', id: `B1/I${index}` },
      outcome: 'success',
      details: {
        batchId: 'B1',
        instructionId: `I${index}`,
        amount: 100 + index,
        ...extra,
        eventId: id,
      },
    },
  };
};

describe('outbox codec', () => {
  it('gives back any JSON payloads, in order, with their ids and key order', async () => {
    await fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uuid(), fc.jsonValue({ maxDepth: 3 })), { maxLength: 8 }),
        (pairs) =>
          roundTrip(
            pairs.map(([id, payload]) => ({
              topic: 'audit',
              id,
              payload: JSON.parse(JSON.stringify(payload)),
            })),
          ),
      ),
    );
  });

  it('gives back events that share shapes, constants and their id inside the payload', async () => {
    const record = fc.record(
      {
        kind: fc.constantFrom('a', 'b'),
        n: fc.integer(),
        nested: fc.record({ x: fc.constantFrom(1, 2), y: fc.string() }, { requiredKeys: ['x'] }),
        empty: fc.constant({}),
        list: fc.array(fc.integer(), { maxLength: 2 }),
        same: fc.boolean(),
        // Sometimes equal to the event's id, sometimes not.
        ref: fc.constantFrom('e0', 'e1', 'e2', 'zz'),
      },
      { requiredKeys: ['kind', 'nested', 'ref'] },
    );
    await fc.assert(
      fc.property(fc.array(fc.tuple(record, fc.boolean()), { maxLength: 12 }), (items) =>
        roundTrip(
          items.map(([payload, withId], index) => {
            const id = `e${index}`;
            return { topic: 'status', id, payload: withId ? { ...payload, eventId: id } : payload };
          }),
        ),
      ),
    );
  });

  it('follows JSON: undefined members are left out, an object without members stays {}', () => {
    const events: OutboxEvent[] = [
      { topic: 'audit', id: 'a', payload: { x: 1, gone: undefined, inner: { only: undefined } } },
      { topic: 'audit', id: 'b', payload: { x: 1, inner: {} } },
      { topic: 'audit', id: 'c', payload: null },
      { topic: 'audit', id: 'd', payload: [1, { y: 2 }] },
      { topic: 'audit', id: 'e', payload: { ['__proto__']: { polluted: true }, x: 2 } },
    ];
    const decoded = decodeEvents(encodeEvents(events));
    expect(asJson(decoded)).toBe(JSON.stringify(events.map(({ id, payload }) => [id, payload])));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stores the events of one transaction in well under half of their plain JSON', () => {
    const events = Array.from({ length: 500 }, (_, index) =>
      instructionEvent(index, index % 7 === 0 ? { reason: 'REJECTED' } : {}),
    );
    roundTrip(events);
    expect(encodeEvents(events).length).toBeLessThan(JSON.stringify(events).length * 0.4);
  });

  it('still reads rows in the earlier form (each payload as its difference from the one before)', () => {
    const stored = JSON.stringify([
      ['e1', { type: 'paid', batchId: 'B1', amount: { amount: 5, currency: 'USD' } }],
      ['e2', { amount: { amount: 7 } }],
      ['e3', { '\u0000removed': ['batchId'], type: 'failed' }],
    ]);
    expect(decodeEvents(stored)).toEqual([
      {
        id: 'e1',
        payload: { type: 'paid', batchId: 'B1', amount: { amount: 5, currency: 'USD' } },
      },
      {
        id: 'e2',
        payload: { type: 'paid', batchId: 'B1', amount: { amount: 7, currency: 'USD' } },
      },
      { id: 'e3', payload: { type: 'failed', amount: { amount: 7, currency: 'USD' } } },
    ]);
  });
});
