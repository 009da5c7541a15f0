import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import type { EscalationDecision } from '../../domain/journey';
import { resolveEscalationUpdate } from '../../workflows/definitions';
import { SEVERITY_STEP_HOURS } from '../../workflows/shared/escalation-owner';
import { type Journey, startJourney } from '../support/journey';
import { type Pager, startPager } from '../support/pager';
import {
  firstShipmentId,
  orderIdOf,
  recipient,
  rejectionOf,
  simulator,
  skipBusinessTime,
  skipToParisTime,
  untilEscalation,
  untilWorkflowKnowsEscalation,
  workingDayBeforeAnother,
} from './steps';

/**
 * Ops' "wait" on a parcel the carrier reports lost is no wait: the shipment ends as lost on it (tracking.ts, applyDecision).
 * So it is one remedy among the others for the guard against two answers at once (shared/escalation.ts): while it waits
 * to be acted on, an answer to another escalation of the shipment is refused, and the reverse.
 *
 * "At once" made certain: the shipment is held where it pages ops about a severity step (the pager, told to hold, keeps that
 * page unanswered), so both answers reach it before it takes either; then the page is answered and it goes on.
 */
let journey: Journey;
let pager: Pager;

beforeAll(async () => {
  pager = await startPager();
  journey = await startJourney({ escalationWebhookUrl: pager.url });
});
afterAll(async () => {
  await journey?.teardown();
  await pager?.close();
});

// A test that fails while the shipment is held lets it go: the next test's clock would stay stopped.
afterEach(() => pager.release());

/** Until the shipment waits on the held page (its notify activity runs a real HTTP call: real time, not skipped). */
async function untilHeld(): Promise<void> {
  for (let i = 0; i < 100 && pager.held === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(pager.held).toBeGreaterThan(0);
}

const resolve = (shipmentId: string, escalationId: string, decision: EscalationDecision) =>
  journey.env.client.workflow.getHandle(`shipment-${shipmentId}`).executeUpdate(resolveEscalationUpdate, {
    args: [{ escalationId, decision, resolvedBy: 'ops-test', note: `test: ${decision}` }],
  });

/**
 * A parcel past a one-day promise (late opened at the promise) that the carrier then reports lost (`lost`) or that
 * stops moving (`stall`), with a second escalation open (broken, or stuck), both known to it; then held at a page.
 */
async function twoOpen(name: string, scenario: 'lost' | 'stall', second: 'broken' | 'stuck') {
  await skipToParisTime(journey, 9 * 60, workingDayBeforeAnother);
  const handle = await journey.placeOrder({ shipTo: recipient(`${name} [scenario:${scenario}]`) }, { promiseWorkingDays: 1 });
  const orderId = orderIdOf(handle);
  const shipmentId = firstShipmentId(handle);
  simulator(journey).scriptShipment(`${orderId}-S2`, 'normal');
  const late = await untilEscalation(journey, { orderId, reason: 'late', status: 'open' }, { stepMs: 4 * HOUR_MS });
  const other = await untilEscalation(journey, { orderId, reason: second, status: 'open' }, { stepMs: 6 * HOUR_MS });
  await untilWorkflowKnowsEscalation(journey, late);
  await untilWorkflowKnowsEscalation(journey, other);
  // Held at the next severity step's page: the skip goes on once the page is answered (a running activity stops the clock).
  pager.hold = (page) => page.body.escalationId.startsWith(`ESC-${shipmentId}-`);
  const skip = skipBusinessTime(journey, (SEVERITY_STEP_HOURS + 1) * HOUR_MS);
  await untilHeld();
  return { handle, shipmentId, late, other, skip };
}

const ops = (rows: { id: string; resolvedBy: string | null; decision: string | null }[]) =>
  rows.filter((r) => r.resolvedBy === 'ops-test').map((r) => [r.id, r.decision]);

describe('"wait" on a lost parcel ends the shipment: one remedy among the others', () => {
  it('"wait" on the lost parcel answered first: a refund of its late escalation is refused, naming the wait', async () => {
    const { handle, shipmentId, late, skip, other: broken } = await twoOpen('Rosalind Franklin', 'lost', 'broken');
    expect(await resolve(shipmentId, broken.id, 'wait')).toMatchObject({ decision: 'wait' });
    // Old: accepted with 200 and stored as ops' refund; the shipment took the refund first and the wait was never acted on.
    expect(await rejectionOf(resolve(shipmentId, late.id, 'refund'))).toMatch(
      `escalation ${broken.id} of shipment ${shipmentId} was just answered "wait", which ends shipment ${shipmentId} ` +
        '(the carrier reports its parcel lost), and is being acted on',
    );
    pager.release();
    await skip;
    expect((await handle.result()).shipments.map((s) => s.stage)).toEqual(['lost']);
    const rows = await journey.database.db.escalation.findMany({ where: { id: { in: [broken.id, late.id] } } });
    expect(ops(rows)).toEqual([[broken.id, 'wait']]);
  });

  it('a reship of the late escalation answered first: "wait" on the lost parcel is refused, naming the reship', async () => {
    const { handle, shipmentId, late, skip, other: broken } = await twoOpen('Chien-Shiung Wu', 'lost', 'broken');
    expect(await resolve(shipmentId, late.id, 'reship')).toMatchObject({ decision: 'reship' });
    expect(await rejectionOf(resolve(shipmentId, broken.id, 'wait'))).toMatch(
      `escalation ${late.id} of shipment ${shipmentId} was just answered "reship" and is being acted on`,
    );
    pager.release();
    await skip;
    const outcome = await handle.result();
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['lost', 'delivered']);
    const rows = await journey.database.db.escalation.findMany({ where: { id: { in: [broken.id, late.id] } } });
    expect(ops(rows)).toEqual([[late.id, 'reship']]);
  });

  it('a plain "wait" on a parcel still travelling blocks nothing: a refund of its late escalation is taken with it and carried out', async () => {
    const { handle, shipmentId, late, skip, other: stuck } = await twoOpen('Annie Easley', 'stall', 'stuck');
    expect(await resolve(shipmentId, stuck.id, 'wait')).toMatchObject({ decision: 'wait' });
    expect(await resolve(shipmentId, late.id, 'refund')).toMatchObject({ decision: 'refund' });
    pager.release();
    await skip;
    expect((await handle.result()).shipments.map((s) => s.stage)).toEqual(['refunded']);
  });
});
