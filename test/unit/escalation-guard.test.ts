import { ApplicationFailure } from '@temporalio/workflow';
import { describe, expect, it, vi } from 'vitest';
import type { ResolveEscalationRequest } from '../../domain/journey';
import type { EscalationActivities } from '../../workflows/shared/escalation-owner';

/**
 * The guard against two answers at once (workflows/shared/escalation.ts), outside a workflow: `setHandler` hands
 * the tracker's update handler and validator to the test, which plays the update as the SDK would (validator first).
 *
 * The case only a v2 history recorded before `reship-refulfils` meets live: its re-ship books a new label inside the
 * answer being carried out, and when no carrier quotes, the booking opens a no_carrier escalation and waits for its
 * answer. That answer is no second answer to the ones open before; refusing it left the shipment waiting forever.
 */
type Validator = (answer: ResolveEscalationRequest) => void;
type Handler = (answer: ResolveEscalationRequest) => Promise<unknown>;
const update = vi.hoisted(() => ({}) as { validator?: Validator; handler?: Handler });

vi.mock('@temporalio/workflow', async (original) => ({
  ...(await original<typeof import('@temporalio/workflow')>()),
  setHandler: (_definition: unknown, handler: Handler, options?: { validator?: Validator }) => {
    update.handler = handler;
    update.validator = options?.validator;
  },
}));
vi.mock('../../workflows/shared/cancel-request', () => ({ outsideCancelledScope: <T>(handler: () => T) => handler() }));

const { Escalations } = await import('../../workflows/shared/escalation');
const { Timeline } = await import('../../workflows/shared/timeline');

function tracker() {
  let opened = 0;
  const activities: EscalationActivities = {
    openEscalation: async () => ({ escalationId: `ESC-${++opened}`, openedAt: new Date().toISOString() }),
    raiseEscalationSeverity: async () => undefined,
    closeEscalation: async () => undefined,
    notifyEscalation: async () => undefined,
  } as unknown as EscalationActivities;
  const escalations = new Escalations({
    orderId: 'ORD-1',
    shipmentId: 'ORD-1-S1',
    label: 'shipment ORD-1-S1',
    timeScale: 1,
    timeline: new Timeline([]),
    activities,
    changed: async () => undefined,
  });
  return escalations;
}

async function answer(escalationId: string, decision: ResolveEscalationRequest['decision']): Promise<void> {
  const request = { escalationId, decision, resolvedBy: 'ops' };
  update.validator?.(request);
  await update.handler?.(request);
}

function refusal(escalationId: string, decision: ResolveEscalationRequest['decision']): string | undefined {
  try {
    update.validator?.({ escalationId, decision, resolvedBy: 'ops' });
    return undefined;
  } catch (error) {
    return error instanceof ApplicationFailure ? `${error.type}: ${error.message}` : String(error);
  }
}

describe('two answers at once', () => {
  it('an escalation the carrying out opens itself is answerable; those open before it stay refused', async () => {
    const escalations = tracker();
    const stuck = await escalations.raise('stuck', 'no scan for 24 h');
    const late = await escalations.raise('late', 'promised date passed');
    await answer(stuck.escalationId, 'reship');
    const taken = escalations.takeAnswered();
    expect(taken?.answer.decision).toBe('reship');

    const seen: (string | undefined)[] = [];
    await escalations.actOn(taken!, async () => {
      seen.push(refusal(late.escalationId, 'refund'));
      // The v2 re-ship's booking: no carrier quoted, it escalates and waits for ops.
      const noCarrier = await escalations.raise('no_carrier', 'no carrier quoted 1 parcel(s) to Lyon');
      seen.push(refusal(noCarrier.escalationId, 'wait'));
      await answer(noCarrier.escalationId, 'wait');
      seen.push(escalations.takeAnswered(noCarrier.escalationId)?.answer.decision);
      return undefined;
    });

    expect(seen[0]).toMatch(/^OrderStateConflict: escalation ESC-1 of shipment ORD-1-S1 was just answered "reship"/);
    expect(seen[1]).toBeUndefined(); // before: OrderStateConflict, and the booking waited forever
    expect(seen[2]).toBe('wait');
    // Carried out and the shipment goes on: the late parcel's escalation can be answered again.
    expect(refusal(late.escalationId, 'refund')).toBeUndefined();
  });

  it('an outcome that ends the shipment keeps refusing the escalations open before it', async () => {
    const escalations = tracker();
    const stuck = await escalations.raise('stuck', 'no scan for 24 h');
    const late = await escalations.raise('late', 'promised date passed');
    await answer(stuck.escalationId, 'refund');
    await escalations.actOn(escalations.takeAnswered()!, async () => 'refunded');
    expect(refusal(late.escalationId, 'reship')).toMatch(/^OrderStateConflict: .* was just answered "refund"/);
  });
});
