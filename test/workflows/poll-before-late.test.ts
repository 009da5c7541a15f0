import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingDays, type CalendarPlace } from '../../domain/calendar';
import { HOUR_MS } from '../../domain/clock';
import { endOfDeliveryDayMs } from '../../domain/fulfilment-plan';
import { addDays } from '../../domain/local-time';
import { stallWindowHours } from '../../domain/promise';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { findCarrierSpec } from '../../scripts/carrier-simulator/catalogue';
import { trackingEventsSignal } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import { firstShipmentId, isFrenchWorkingDay, orderIdOf, simulator, skipToParisTime, untilShipmentStage } from './steps';

/**
 * The carrier has delivered, but its delivery scan never reached the workflow: no webhook (the harness pushes
 * none, as when one is lost) and the next poll far off (a carrier with webhooks is asked only at the end of a
 * stall window). At the promise the workflow asks the carrier once before calling the parcel late
 * (workflows/shipment/tracking.ts `deliveredAfterAll`, patch `ask-carrier-before-late`). The clock is pinned,
 * so the promise falls between the delivery and the stall window's poll whatever the hour the suite runs.
 */

const FRANCE: CalendarPlace = { countryCode: 'FR' };
const LYON = { countryCode: 'FR', postalCode: '69002' };

describe('the carrier is asked once before a parcel is called late', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  it('a parcel the carrier delivered before its promise, with no scan heard, ends delivered on time: no late escalation, no re-promise, no mail about it', async () => {
    // 09:00 in Paris (before every cut-off: the parcel leaves that day) on a day whose next two days are working
    // days too (its two transit days are not stretched by a weekend or a holiday).
    const handoverDay = await skipToParisTime(journey, 9 * 60, (day) => [day, addDays(day, 1), addDays(day, 2)].every(isFrenchWorkingDay));
    // Economy: a 72 h stall window, so the carrier's first poll would come a day after the promise.
    const promisedByMs = endOfDeliveryDayMs(LYON, addWorkingDays(FRANCE, handoverDay, 2));
    const promisedBy = new Date(promisedByMs).toISOString();
    const handle = await journey.placeOrder({ serviceLevel: 'economy', promisedBy });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created'], { stepMs: 5 * 60_000 });

    // What the test relies on, checked rather than assumed: a carrier with webhooks (never polled on a
    // schedule), its delivery before the promise, and the stall window's poll after it.
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const labelAtMs = Date.parse(booked.timeline.find((e) => e.label === 'label created')?.at ?? '');
    expect(findCarrierSpec(carrier)?.supportsWebhooks).toBe(true);
    const sold = simulator(journey).soldLabel(booked.trackingNumber ?? '');
    const deliveredAtMs = Date.parse(
      sold?.timeline.find((e) => e.statusCode === CARRIER_STATUS_CODES[carrier].delivered)?.occurredAt ?? '',
    );
    expect(deliveredAtMs).toBeLessThan(promisedByMs);
    expect(labelAtMs + stallWindowHours('economy') * HOUR_MS).toBeGreaterThan(promisedByMs + HOUR_MS);

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments[0]?.stage).toBe('delivered');

    const db = journey.database.db;
    const shipment = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(shipment.deliveredAt?.getTime()).toBe(deliveredAtMs);
    expect(shipment.promisedBy?.toISOString()).toBe(promisedBy);
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.promisedBy.toISOString()).toBe(promisedBy);
    expect(await db.promiseChange.findMany({ where: { orderId } })).toEqual([]);
    expect(await db.escalation.findMany({ where: { orderId } })).toEqual([]);
    const mails = (await db.customerMail.findMany({ where: { orderId } })).map((m) => m.milestone);
    expect(mails).toContain('delivered');
    expect(mails).not.toContain('promise_changed');

    // Asked once, at the promise, and nothing else told the workflow of the delivery.
    const history = await journey.env.client.workflow.getHandle(`shipment-${shipmentId}`).fetchHistory();
    const polls = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollTracking');
    expect(polls).toHaveLength(1);
    const polledAtMs = Number(polls[0]?.eventTime?.seconds ?? 0) * 1000;
    expect(polledAtMs).toBeGreaterThanOrEqual(promisedByMs - 1000);
    expect(polledAtMs).toBeLessThan(promisedByMs + HOUR_MS);
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === trackingEventsSignal.name,
    );
    expect(signals).toEqual([]);
  });
});
