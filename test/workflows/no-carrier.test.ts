import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { HOUR_MS } from '../../domain/clock';
import { resolveEscalationUpdate } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import { currentDetailsOf, firstShipmentId, orderIdOf, stockSnapshot, untilEscalation, untilWorkflowKnowsEscalation } from './steps';

describe('no carrier serves the destination', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  it('opens a no_carrier escalation; "wait" rates again, "cancel" gives the stock back and buys no label', async () => {
    const before = await stockSnapshot(journey, ['MUG-CER-350']);
    // None of the simulated carriers delivers to Japan: every quote is refused. The city is written as a Markdown link.
    const city = 'Tokyo [map](https://evil.example/login)';
    const handle = await journey.placeOrder({
      shipTo: { name: 'Haruki Sato', line1: '1-1 Marunouchi', city, postalCode: '100-0005', countryCode: 'JP' },
    });
    const orderId = orderIdOf(handle);
    const shipment = journey.env.client.workflow.getHandle(`shipment-${firstShipmentId(handle)}`);
    const answer = (escalationId: string, decision: 'wait' | 'cancel') =>
      shipment.executeUpdate(resolveEscalationUpdate, { args: [{ escalationId, decision, resolvedBy: 'ops-test' }] });

    const first = await untilEscalation(journey, { orderId, reason: 'no_carrier', status: 'open' }, { stepMs: HOUR_MS });
    expect(first.severity).toBe('high');
    expect(first.detail).toMatch(/no carrier quoted .* to Tokyo \[map\]\(https:\/\/evil\.example\/login\) \(3 of 3 failed\)/);
    // The row lands before the shipment knows the escalation: answer once its view lists it.
    await untilWorkflowKnowsEscalation(journey, first);
    // The Web UI renders current details as Markdown: the city reads as typed on the shipment and its order, no link.
    for (const workflow of [shipment, handle]) {
      const details = await currentDetailsOf(workflow);
      expect(details.shown).toContain(`to ${city} (3 of 3 failed)`);
      expect(details.markdown).not.toContain('[map](');
    }
    await answer(first.id, 'wait');
    // Rated again, refused again: a second escalation, not a silent loop.
    const second = await untilEscalation(journey, { orderId, reason: 'no_carrier', status: 'open' }, { stepMs: HOUR_MS });
    expect(second.id).not.toBe(first.id);
    await untilWorkflowKnowsEscalation(journey, second);
    await answer(second.id, 'cancel');

    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['cancelled']);
    expect(await journey.database.db.label.count({ where: { shipment: { orderId } } })).toBe(0);
    expect(await stockSnapshot(journey, ['MUG-CER-350'])).toEqual(before);
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
  });
});
