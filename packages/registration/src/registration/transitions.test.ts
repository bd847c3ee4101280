import { manualClock } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import {
  conformanceAdmin,
  conformanceClerk,
  conformanceParent,
  conformancePayments,
} from '../testing/index.js';
import { createRegistrationService } from './engine.js';
import { memoryFeeCollector } from './fee-collector.js';
import { memoryRegistrationStore } from './memory-store.js';
import {
  type ApplicationStatus,
  applicationActions,
  applicationStatuses,
  isFinal,
  nextStatus,
  transitionTable,
} from './transitions.js';

/** Statuses reachable from `draft` by following the table. */
function reachable(): Set<ApplicationStatus> {
  const seen = new Set<ApplicationStatus>(['draft']);
  const queue: ApplicationStatus[] = ['draft'];
  while (queue.length > 0) {
    const status = queue.shift()!;
    for (const next of Object.values(transitionTable[status])) {
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('application transition table', () => {
  it('reaches every status from draft, and nothing leaves a final status', () => {
    expect([...reachable()].sort()).toEqual([...applicationStatuses].sort());
    for (const status of ['approved', 'rejected', 'withdrawn'] as const) {
      expect(isFinal(status)).toBe(true);
      for (const action of applicationActions) expect(nextStatus(status, action)).toBeUndefined();
    }
  });

  it('never reaches approval without passing review (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...applicationActions), { maxLength: 40 }),
        (actions) => {
          let status: ApplicationStatus = 'draft';
          const visited: ApplicationStatus[] = [status];
          for (const action of actions) {
            const next = nextStatus(status, action);
            if (next === undefined) continue;
            status = next;
            visited.push(status);
          }
          const approvedAt = visited.indexOf('approved');
          if (approvedAt >= 0) expect(visited.slice(0, approvedAt)).toContain('in_review');
          if (visited.includes('submitted')) expect(visited.indexOf('draft')).toBe(0);
          for (const [index, value] of visited.entries()) {
            if (isFinal(value)) expect(index).toBe(visited.length - 1);
            // A payment is only asked for after submission, and left only by paying or withdrawing.
            if (value === 'payment_pending') {
              expect(visited.slice(0, index)).toContain('submitted');
              const after = visited[index + 1];
              if (after !== undefined) expect(['in_review', 'withdrawn']).toContain(after);
            }
          }
        },
      ),
    );
  });
});

type Command =
  | 'submit'
  | 'withdraw'
  | 'claim'
  | 'approve'
  | 'reject'
  | 'request_information'
  | 'update'
  | 'pay';

describe('registration engine under random commands (property)', () => {
  it('only ever moves along the table; refused commands change nothing', async () => {
    const service = {
      key: 'permit',
      name: 'Permit',
      eForms: [
        {
          key: 'permit',
          name: 'Permit',
          schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      ],
      fees: [{ key: 'fee', name: 'Fee', amount: { amount: 500, currency: 'EUR' } }],
      workflow: [
        { key: 'check', name: 'Check', role: 'birth.clerk' },
        { key: 'pay', name: 'Pay', type: 'payment' as const, fees: ['fee'] },
        { key: 'decide', name: 'Decide', role: 'birth.clerk' },
      ],
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.constantFrom<Command>(
            'submit',
            'withdraw',
            'claim',
            'approve',
            'reject',
            'request_information',
            'update',
            'pay',
          ),
          {
            minLength: 1,
            maxLength: 16,
          },
        ),
        async (commands) => {
          const clock = manualClock();
          const audit = memoryAuditTrail({ clock });
          const fees = memoryFeeCollector({ clock });
          const engine = createRegistrationService({
            store: memoryRegistrationStore(),
            audit,
            clock,
            fees,
          });
          await engine.defineService(conformanceAdmin, service);
          const draft = await engine.createApplication(conformanceParent, {
            service: 'permit',
            formData: { name: 'x' },
          });
          let previous = draft;
          for (const command of commands) {
            clock.advance(1_000);
            const run = async () => {
              switch (command) {
                case 'submit':
                  return engine.submit(conformanceParent, draft.id);
                case 'withdraw':
                  return engine.withdraw(conformanceParent, draft.id);
                case 'update':
                  return engine.updateApplication(conformanceParent, draft.id, { name: 'y' });
                case 'pay': {
                  const current = await engine.getApplication(conformanceParent, draft.id);
                  const bill = current.payments?.find((payment) => payment.status === 'pending');
                  if (!bill) throw new Error('no bill');
                  return engine.confirmPayment(conformancePayments, fees.pay(bill.billId));
                }
                case 'claim': {
                  const [task] = await engine.listTasks(conformanceClerk, {
                    applicationId: draft.id,
                    status: 'open',
                  });
                  if (!task) throw new Error('no task');
                  await engine.claimTask(conformanceClerk, task.id);
                  return undefined;
                }
                default: {
                  const [task] = await engine.listTasks(conformanceClerk, {
                    applicationId: draft.id,
                    status: 'claimed',
                  });
                  if (!task) throw new Error('no task');
                  return (
                    await engine.completeTask(conformanceClerk, task.id, {
                      decision: command === 'approve' ? 'approve' : command,
                      reason: 'because',
                    })
                  ).application;
                }
              }
            };
            const outcome = await run().then(
              () => 'ok' as const,
              (error: unknown) => error as { code?: string },
            );
            const current = await engine.getApplication(conformanceParent, draft.id);
            if (outcome === 'ok') {
              if (current.status !== previous.status) {
                const last = current.history.at(-1)!;
                expect(last.from).toBe(previous.status);
                expect(nextStatus(previous.status, last.action as never)).toBe(current.status);
              }
            } else {
              expect(current).toEqual(previous);
              if (outcome.code !== undefined)
                expect(['ILLEGAL_TRANSITION', 'VALIDATION_FAILED']).toContain(outcome.code);
            }
            for (const entry of current.history.slice(1))
              expect(nextStatus(entry.from!, entry.action as never)).toBe(entry.to);
            // Waiting for a payment exactly when a bill is pending.
            expect(current.status === 'payment_pending').toBe(
              (current.payments ?? []).some((payment) => payment.status === 'pending'),
            );
            previous = current;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
