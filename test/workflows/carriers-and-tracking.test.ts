import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierActivities } from '../../activities/carrier-booking';
import type { BookedLabel, LabelPurchase } from '../../activities/carrier-booking/label-purchase';
import type { RateShop } from '../../activities/carrier-booking/rate-shop';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { HOUR_MS } from '../../domain/clock';
import { CARRIER_STATUS_CODES, SIMULATED_CARRIER_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { trackingEventsSignal } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import { decodedPayload } from '../support/temporal';
import { firstShipmentId, shipmentView, simulator, untilShipmentStage } from './steps';

describe('carrier APIs that fail, and tracking events that come twice or out of order', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  const purchasedLabels = (orderId: string) => journey.database.db.label.findMany({ where: { shipment: { orderId } } });

  it('duplicate and out-of-order webhook events are stored once and never move the status back', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const trackingNumber = booked.trackingNumber ?? '';
    const shipment = journey.env.client.workflow.getHandle(`shipment-${shipmentId}`);
    const t0 = await journey.env.currentTimeMs();
    const event = (
      id: string,
      status: keyof (typeof CARRIER_STATUS_CODES)[SimulatedCarrierCode],
      hoursAfter: number,
    ): CarrierTrackingEvent => ({
      carrierCode: carrier,
      eventId: `${shipmentId}-${id}`,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES[carrier][status],
      detail: `${status} (${id})`,
      occurredAt: new Date(t0 + hoursAfter * HOUR_MS).toISOString(),
    });
    const send = (...events: CarrierTrackingEvent[]) => shipment.signal(trackingEventsSignal, { source: 'webhook', events });
    const storedEvents = () =>
      journey.database.db.trackingEvent.findMany({
        where: { shipmentId, carrierEventId: { startsWith: `${shipmentId}-` } },
        orderBy: { occurredAt: 'asc' },
      });
    // Business time stays put here: no poll runs, so only the events this test sends reach the shipment.
    const settled = async (check: (view: Awaited<ReturnType<typeof shipmentView>>) => boolean) => {
      for (let reads = 0; reads < 600; reads++) {
        const view = await shipmentView(journey, shipmentId);
        if (check(view)) return view;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(
        `shipment ${shipmentId} never reached the expected state: ${JSON.stringify(await shipmentView(journey, shipmentId))}`,
      );
    };

    const scan1 = event('E1', 'in_transit', 1);
    await send(scan1, scan1);
    await send(scan1);
    await settled((v) => v.stage === 'in_transit');
    await send(event('E3', 'out_for_delivery', 5));
    let view = await settled((v) => v.stage === 'out_for_delivery');
    // An older scan arrives late, and E1 is redelivered once more.
    await send(event('E2', 'in_transit', 3), scan1);
    view = await settled((v) => v.timeline.some((e) => e.detail === 'in_transit (E2)'));
    expect(view.stage).toBe('out_for_delivery');
    expect(view.trackingStatus).toBe('out_for_delivery');
    expect((await storedEvents()).map((e) => e.carrierEventId)).toEqual([`${shipmentId}-E1`, `${shipmentId}-E2`, `${shipmentId}-E3`]);
    expect((await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('out_for_delivery');

    // Delivered, with a stray in-transit scan stamped after it in the same batch, then the delivery again.
    await send(event('E4', 'delivered', 7), event('E4', 'delivered', 7), event('E5', 'in_transit', 8));
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments[0]?.stage).toBe('delivered');

    const stored = await storedEvents();
    expect(stored.map((e) => [e.carrierEventId.slice(shipmentId.length + 1), e.status])).toEqual([
      ['E1', 'in_transit'],
      ['E2', 'in_transit'],
      ['E3', 'out_for_delivery'],
      ['E4', 'delivered'],
      ['E5', 'in_transit'],
    ]);
    const row = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(row.status).toBe('delivered');
    expect(row.deliveredAt?.toISOString()).toBe(new Date(t0 + 7 * HOUR_MS).toISOString());
    expect(row.shippedAt?.toISOString()).toBe(new Date(t0 + HOUR_MS).toISOString());
  });

  it('with half of all carrier calls failing, every shipment still ends with exactly one purchased label', async () => {
    const sim = simulator(journey);
    const soldBefore = sim.labelsSold();
    for (const code of SIMULATED_CARRIER_CODES) sim.setFaults(code, { errorRate: 0.5 });
    try {
      const outcome = await journey
        .placeOrder({
          lines: [
            { sku: 'BOOK-COOK-XL', quantity: 1 },
            { sku: 'TEA-GREEN-100G', quantity: 1 },
          ],
        })
        .then((h) => h.result());
      expect(outcome.stage).toBe('completed');
      expect(outcome.shipments).toHaveLength(2);
      const labels = await purchasedLabels(outcome.orderId);
      expect(labels.map((l) => l.status)).toEqual(['purchased', 'purchased']);
      expect(new Set(labels.map((l) => l.shipmentId)).size).toBe(2);
      expect(sim.labelsSold() - soldBefore).toBe(2);
    } finally {
      for (const code of SIMULATED_CARRIER_CODES) sim.setFaults(code, { errorRate: 0 });
    }
  });

  it('a carrier that turns the label purchase away (503) again and again loses the booking to another carrier: one label, bought there', async () => {
    const sim = simulator(journey);
    const first = await journey.placeOrder();
    const preferred = (await untilShipmentStage(journey, firstShipmentId(first), ['label_created'])).carrierCode as SimulatedCarrierCode;
    const soldBefore = sim.labelsSold();
    // Three refusals make the booking go elsewhere; a fourth, never played, would show it did not come back.
    sim.queueFaults(preferred, ['error', 'error', 'error', 'error'], 'buyLabel');
    try {
      const handle = await journey.placeOrder();
      const shipmentId = firstShipmentId(handle);
      const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
      expect(booked.carrierCode).not.toBe(preferred);
      const labels = await journey.database.db.label.findMany({ where: { shipmentId } });
      expect(labels).toEqual([expect.objectContaining({ attempt: 1, carrierCode: booked.carrierCode, status: 'purchased' })]);
      expect(sim.labelsSold() - soldBefore).toBe(1);
      const { timeline } = await shipmentView(journey, shipmentId);
      expect(timeline.map((entry) => entry.label)).toContain(`${preferred} unavailable: booking elsewhere`);
    } finally {
      sim.clearQueuedFaults(preferred);
    }
  });

  it('a booking runs no bookkeeping task of its own: the rate shop chose the service, the purchase wrote label_created and its stage visits, and a retried purchase writes nothing twice', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const { db } = journey.database;
    // What a user sees is as before: the status at once, and the process chart's visits with their timings.
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('label_created');
    const visits = await db.stageTiming.findMany({ where: { shipmentId }, orderBy: { startedAt: 'asc' } });
    const visit = (stage: string) => visits.find((v) => v.stage === stage);
    const [rating, booking, label] = [visit('rating'), visit('booking'), visit('label_created')];
    expect(rating?.endedAt?.getTime()).toBe(booking?.startedAt.getTime());
    expect(booking?.endedAt?.getTime()).toBe(label?.startedAt.getTime());
    expect(booking?.endedAt?.getTime()).toBeGreaterThanOrEqual(booking?.startedAt.getTime() ?? Number.NaN);
    expect(label?.endedAt).toBeNull();

    // What the workflow ran: no decision task after the rate shop, no status write after the label.
    const history = await journey.env.client.workflow.getHandle(`shipment-${shipmentId}`).fetchHistory();
    const events = history.events ?? [];
    const scheduled = (type: string) => events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type);
    const completedAt = (type: string) =>
      events.findIndex(
        (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(scheduled(type)?.eventId ?? ''),
      );
    const localActivities: string[] = [];
    for (const event of events.slice(completedAt('quoteAllCarriers'))) {
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_local_activity') continue;
      localActivities.push(((await decodedPayload(marker.details?.data?.payloads?.[0])) as { activity_type: string }).activity_type);
    }
    expect(localActivities).toEqual([]);
    const shop = (await decodedPayload(
      events[completedAt('quoteAllCarriers')]?.activityTaskCompletedEventAttributes?.result?.payloads?.[0],
    )) as RateShop;
    expect(shop.choice).toEqual(
      expect.objectContaining({ kind: 'Chosen', quote: expect.objectContaining({ serviceCode: booked.serviceCode }) }),
    );

    // The purchase retried as Temporal would, with the input it was scheduled with: the same stage, nothing written twice.
    const input = (await decodedPayload(
      scheduled('purchaseLabel')?.activityTaskScheduledEventAttributes?.input?.payloads?.[0],
    )) as LabelPurchase;
    expect(input.stage?.stages.at(-1)).toEqual(expect.objectContaining({ stage: 'booking', startedAt: booking?.startedAt.toISOString() }));
    const purchase = createCarrierActivities({ db, carriers: journey.carriers }).purchaseLabel;
    const retried: BookedLabel = await new MockActivityEnvironment().run(purchase, input);
    expect(retried.stageEnteredAt).toBe(label?.startedAt.toISOString());
    expect(await db.stageTiming.count({ where: { shipmentId } })).toBe(visits.length);
    expect(await db.label.count({ where: { shipmentId } })).toBe(1);

    // A rate shop that cannot decide (a worker of the release before, a decision that fails) answers the quotes
    // without a choice, which sends the workflow to its own chooseCarrierQuote, instead of failing the rate shop.
    const shopInput = (await decodedPayload(
      scheduled('quoteAllCarriers')?.activityTaskScheduledEventAttributes?.input?.payloads?.[0],
    )) as Parameters<ReturnType<typeof createCarrierActivities>['quoteAllCarriers']>[0];
    expect(shopInput.choose?.promisedBy).toBe(booked.promisedBy);
    const failing = () => Promise.reject(new Error('learned facts unreachable'));
    for (const chooseQuote of [undefined, failing]) {
      const { quoteAllCarriers } = createCarrierActivities({ db, carriers: journey.carriers, ...(chooseQuote ? { chooseQuote } : {}) });
      const answer: RateShop = await new MockActivityEnvironment().run(quoteAllCarriers, shopInput);
      expect(answer.quotes.length).toBeGreaterThan(0);
      expect(answer.choice).toBeUndefined();
    }
  });

  // Last in the file: the faults queued on the carriers not chosen stay queued.
  it('a purchase that errors, then times out after the carrier sold the label, is retried into the same single label', async () => {
    const sim = simulator(journey);
    const soldBefore = sim.labelsSold();
    const chargedBefore = sim.chargedCents();
    for (const code of SIMULATED_CARRIER_CODES) {
      sim.setFaults(code, { timeoutMs: 50 });
      sim.queueFaults(code, ['error', 'timeout', 'timeout'], 'buyLabel');
    }
    try {
      const outcome = await journey.placeOrder().then((h) => h.result());
      expect(outcome.stage).toBe('completed');
      const labels = await purchasedLabels(outcome.orderId);
      expect(labels).toEqual([expect.objectContaining({ attempt: 1, status: 'purchased' })]);
      expect(sim.labelsSold() - soldBefore).toBe(1);
      expect(sim.chargedCents() - chargedBefore).toBe(labels[0]!.amountCents);
      expect(outcome.shippingCostCents).toBe(labels[0]!.amountCents);
    } finally {
      for (const code of SIMULATED_CARRIER_CODES) sim.setFaults(code, { errorRate: 0, timeoutRate: 0 });
    }
  });
});
