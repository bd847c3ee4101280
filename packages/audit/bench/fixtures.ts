import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '@govblocks/core';
import { prepareLeaf } from '../src/engine/audit-log.js';
import type { PreparedLeaf } from '../src/ports.js';
import type { AuditEvent } from '../src/schemas.js';

const pseudonymKey = randomBytes(32);
const base = Date.parse('2026-11-25T10:00:00.000Z');

/** A realistic stored audit event (pseudonymised subject, small details), number `n`. */
export function benchEvent(n: number): AuditEvent {
  const hex = n.toString(16).padStart(12, '0');
  return {
    v: 1,
    id: `0193f5c2-8d5e-7a3b-9c41-${hex}`,
    time: new Date(base + n).toISOString(),
    block: 'payments',
    action: 'payment.instruction.settled',
    actor: { type: 'service', id: `worker-${n % 8}`, clientId: 'treasury' },
    subject: {
      type: 'individual',
      pseudonym: createHash('sha256')
        .update(pseudonymKey)
        .update(String(n % 10_000))
        .digest('base64url'),
    },
    outcome: 'success',
    details: { amount: 150000 + n, currency: 'KES', rail: 'simulator', attempt: 1 },
  };
}

export function benchEvents(count: number, offset = 0): AuditEvent[] {
  return Array.from({ length: count }, (_, n) => benchEvent(offset + n));
}

export function preparedLeaves(count: number, offset = 0): PreparedLeaf[] {
  return benchEvents(count, offset).map(prepareLeaf);
}

export { canonicalJson };

/** Formats a byte count in MB. */
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
