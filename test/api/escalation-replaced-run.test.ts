import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { ids } from '../../domain/ids';
import { startJourney, type Journey } from '../support/journey';
import {
  firstShipmentId,
  orderIdOf,
  recipient,
  stopLeftAloneShipmentAfterTest,
  untilEscalation,
  untilWorkflowKnowsEscalation,
} from '../workflows/steps';
import { journeyApi, KEYS, newKey, requestsAs } from './harness';

/**
 * An escalation opened by a run of a shipment's workflow that ops replaced since: the shipment terminated and started
 * again by hand with its own input (`temporal workflow start --id-conflict-policy TerminateExisting` does both), or reset
 * to a point before the escalation opened. The running run replays the journey against the database and numbers its
 * escalations afresh: seen on a running stack, it opened `stuck-2` beside the earlier run's `stuck-1`, still open in its
 * row and held by no run, and every answer to `stuck-1` waited, then was a 503 "not open on its workflow yet; retry in a
 * moment", for ever.
 */
let journey: Journey;
let app: FastifyInstance;
beforeAll(async () => {
  journey = await startJourney();
  app = await journeyApi(journey, { workflowCallTimeoutMs: 10_000 });
});
afterAll(async () => {
  await app?.close();
  await journey?.teardown();
});

const as = requestsAs(() => app);
const answer = (escalationId: string) =>
  as(
    KEYS.ops,
    'POST',
    `/escalations/${escalationId}/resolve`,
    { decision: 'wait', note: 'keep waiting' },
    { 'idempotency-key': newKey('answer') },
  );

describe('an escalation whose run was replaced', () => {
  it('is a 409, never a 503: superseded by one the running run holds for the same trouble, it is closed naming that one, which takes the answer', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:stall]') });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    stopLeftAloneShipmentAfterTest(journey, shipmentId);
    const held = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, held);

    // What an earlier run of the shipment's workflow left open (its rows, as `openEscalation` writes them): opened before
    // the running run started. Seen live after `temporal workflow start --id-conflict-policy TerminateExisting` with the
    // shipment's own input: the new run numbers its escalations afresh and opened `stuck-2` beside the orphaned `stuck-1`.
    const { startTime } = await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).describe();
    const db = journey.database.db;
    const orphan = async (reason: 'stuck' | 'late') => {
      const id = `ESC-${shipmentId}-${reason}-earlier-run`;
      await db.escalation.create({
        data: {
          id,
          dedupeKey: id,
          orderId,
          shipmentId,
          reason,
          severity: 'critical',
          detail: 'no scan',
          openedAt: new Date(startTime.getTime() - HOUR_MS),
        },
      });
      return id;
    };
    const stuck = await orphan('stuck');
    const late = await orphan('late');

    const superseded = await answer(stuck);
    expect(superseded.statusCode, superseded.body).toBe(409);
    expect(superseded.json()).toMatchObject({ error: { code: 'escalation_resolved', message: expect.stringContaining(held.id) } });
    expect(await db.escalation.findUniqueOrThrow({ where: { id: stuck } })).toMatchObject({
      status: 'resolved',
      decision: 'wait',
      resolvedBy: 'colis',
      note: expect.stringContaining(held.id),
    });
    expect((await answer(stuck)).statusCode).toBe(409);

    // None of its reason held: nothing recorded (the running run may open that very escalation again as it replays).
    const unheld = await answer(late);
    expect(unheld.statusCode, unheld.body).toBe(409);
    expect(unheld.json()).toMatchObject({ error: { code: 'order_state_conflict', message: expect.stringContaining('earlier run') } });
    expect(await db.escalation.findUniqueOrThrow({ where: { id: late } })).toMatchObject({ status: 'open' });

    const answered = await answer(held.id);
    expect(answered.statusCode, answered.body).toBe(200);
  });
});
