import { randomUUID } from 'node:crypto';
import { defineBench } from '../../../tools/bench/harness.js';
import { canonicalJson } from '../src/canonical-json.js';
import { uuidv7Generator } from '../src/ids.js';
import { parseMoney } from '../src/money.js';

const event = {
  block: 'payments',
  action: 'payment.instruction.settled',
  actor: { type: 'service', id: 'disbursement-worker', clientId: 'treasury' },
  subject: { type: 'instruction', id: '0193f5c2-8d5e-7a3b-9c41-5e8f0b7d2a16' },
  outcome: 'success',
  time: '2026-11-25T10:00:00.000Z',
  details: { amount: 150000, currency: 'KES', rail: 'simulator', attempt: 1 },
};
const nextId = uuidv7Generator();

export default defineBench(
  {
    name: 'canonicalJson (RFC 8785) vs JSON.stringify of an audit event',
    baseline: { name: 'JSON.stringify', fn: () => JSON.stringify(event) },
    subject: { name: 'canonicalJson', fn: () => canonicalJson(event) },
    target: { ratio: 0.25 },
  },
  {
    name: 'uuidv7 vs crypto.randomUUID (v4)',
    baseline: { name: 'randomUUID', fn: () => randomUUID() },
    subject: { name: 'uuidv7Generator()', fn: () => nextId() },
    target: { ratio: 0.25 },
  },
  {
    name: 'parseMoney (exact) vs Number.parseFloat',
    baseline: { name: 'parseFloat', fn: () => Number.parseFloat('1234.56') },
    subject: { name: 'parseMoney', fn: () => parseMoney('1234.56', 'USD') },
  },
);
