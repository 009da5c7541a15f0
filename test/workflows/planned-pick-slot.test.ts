import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { searchAttributes } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import { firstShipmentId, isFrenchWorkingDay, recipient, skipToParisTime, untilShipmentStage } from './steps';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType: E } = temporal.api.enums.v1;
const EventType = {
  marker: E.EVENT_TYPE_MARKER_RECORDED,
  upsert: E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  timerStarted: E.EVENT_TYPE_TIMER_STARTED,
  timerFired: E.EVENT_TYPE_TIMER_FIRED,
  activityScheduled: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
} as const;

/**
 * The order books each new shipment's pick slot with its plan (activities/planned-pick-slots.ts): the shipment
 * starts on it, and neither the booking nor a wait for the slot costs it a workflow task of bookkeeping — its
 * wait is written and indexed before it starts, and its pick writes the `picking` stage (issue 11's actions).
 */
describe('a pick slot booked with the order’s plan', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  const shipmentHandle = (shipmentId: string) => journey.env.client.workflow.getHandle(`shipment-${shipmentId}`);
  const eventsOf = async (shipmentId: string): Promise<{ type: unknown; event: HistoryEvent }[]> =>
    ((await shipmentHandle(shipmentId).fetchHistory()).events ?? []).map((event) => ({ type: event.eventType, event }));
  const visitsOf = (shipmentId: string) =>
    journey.database.db.stageTiming.findMany({ where: { shipmentId }, orderBy: [{ startedAt: 'asc' }, { stage: 'asc' }] });

  it('a shipment that must wait starts waiting, indexed and written, and spends no bookkeeping task on the slot or the wait', async () => {
    // Friday 19:00 in Paris: past every warehouse's cut-off, the slot is Monday's.
    await skipToParisTime(journey, 19 * 60, (day) => new Date(`${day}T12:00:00Z`).getUTCDay() === 5);
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace') });
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot'], { stepMs: HOUR_MS });

    const described = await shipmentHandle(shipmentId).describe();
    expect(described.typedSearchAttributes.get(searchAttributes.shipmentStatus)).toBe('waiting_for_pick_slot');
    const row = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(row.status).toBe('waiting_for_pick_slot');
    expect(row.pickDay).not.toBeNull();
    const waiting = await visitsOf(shipmentId);
    expect(waiting.map((v) => [v.stage, v.endedAt])).toEqual([['waiting_for_pick_slot', null]]);

    await untilShipmentStage(journey, shipmentId, ['label_created', 'in_transit', 'delivered'], { stepMs: 4 * HOUR_MS });
    const events = await eventsOf(shipmentId);
    const timer = events.findIndex((e) => e.type === EventType.timerStarted);
    expect(timer).toBeGreaterThan(0);
    // Before the wait: no local activity (the slot came with the plan) and no upsert (the start indexed the wait).
    expect(events.slice(0, timer).filter((e) => e.type === EventType.marker || e.type === EventType.upsert)).toEqual([]);
    // After it: the pick is scheduled with no bookkeeping of its own; it wrote the stage in its transaction.
    const fired = events.findIndex((e) => e.type === EventType.timerFired);
    const pick = events.findIndex((e, i) => i > fired && e.type === EventType.activityScheduled);
    expect(events[pick]?.event.activityTaskScheduledEventAttributes?.activityType?.name).toBe('pickItems');
    expect(events.slice(fired, pick).filter((e) => e.type === EventType.marker)).toEqual([]);

    // One visit of each stage, the wait ended when the pick began (written by the pick, keyed as the plan wrote it).
    const visits = await visitsOf(shipmentId);
    const waits = visits.filter((v) => v.stage === 'waiting_for_pick_slot');
    const picks = visits.filter((v) => v.stage === 'picking');
    expect(waits).toHaveLength(1);
    expect(picks).toHaveLength(1);
    expect(waits[0]?.startedAt.toISOString()).toBe(waiting[0]?.startedAt.toISOString());
    expect(waits[0]?.endedAt?.toISOString()).toBe(picks[0]?.startedAt.toISOString());
    expect(await handle.result()).toMatchObject({ shipments: [{ stage: 'delivered' }] });
  });

  it('a shipment that need not wait picks at once: the pick writes the short wait and the picking stage', async () => {
    // 09:00 on a working day in Paris: before every cut-off, today's slot.
    await skipToParisTime(journey, 9 * 60, isFrenchWorkingDay);
    const handle = await journey.placeOrder({ shipTo: recipient('Grace Hopper') });
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['label_created', 'in_transit', 'delivered'], { stepMs: HOUR_MS });

    const events = await eventsOf(shipmentId);
    const pick = events.findIndex((e) => e.type === EventType.activityScheduled);
    expect(events[pick]?.event.activityTaskScheduledEventAttributes?.activityType?.name).toBe('pickItems');
    const bookkeeping: unknown[] = [EventType.marker, EventType.upsert, EventType.timerStarted];
    expect(events.slice(0, pick).filter((e) => bookkeeping.includes(e.type))).toEqual([]);
    const visits = await visitsOf(shipmentId);
    const wait = visits.find((v) => v.stage === 'waiting_for_pick_slot');
    const picking = visits.find((v) => v.stage === 'picking');
    expect(wait?.endedAt?.toISOString()).toBe(picking?.startedAt.toISOString());
    const row = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(row.pickedAt).not.toBeNull();
    expect(await handle.result()).toMatchObject({ shipments: [{ stage: 'delivered' }] });
  });
});
