import { onTestFinished } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { CarrierSimulator } from '../../scripts/carrier-simulator/simulator';
import { type CalendarPlace, isWorkingDayIn } from '../../domain/calendar';
import { DAY_MS, HOUR_MS } from '../../domain/clock';
import { addDays, localDay, localTimeMs } from '../../domain/local-time';
import { DEFAULT_ORDER, type Journey } from '../support/journey';
import type { OrderView, ShipmentView } from '../../domain/journey';
import { ids } from '../../domain/ids';
import type { Address } from '../../domain/order';
import type { TrackingStatus } from '../../domain/lifecycle';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { orderStatusQuery, shipmentStatusQuery, trackingEventsSignal } from '../../workflows/definitions';
import type { orderWorkflowV3 } from '../../workflows/order/workflow';

/**
 * Steps shared by the journey tests. Time on the time-skipping server only moves while a test
 * awaits `result()` or `env.sleep`, so a test that wants to act at a stage reads the state, lets
 * the workers settle in real time, and skips business time in small steps until the stage shows.
 */

export type OrderHandle = WorkflowHandle<typeof orderWorkflowV3>;

export const orderIdOf = (handle: OrderHandle) => handle.workflowId.slice('order-'.length);
export const firstShipmentId = (handle: OrderHandle) => ids.shipmentId(orderIdOf(handle), 1);

export const orderView = (handle: OrderHandle): Promise<OrderView> => handle.query(orderStatusQuery);

export function shipmentView(journey: Journey, shipmentId: string): Promise<ShipmentView> {
  return journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).query(shipmentStatusQuery);
}

const realPause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads `read()` until `done` holds. While the state keeps changing the workers are busy and the
 * clock stays put; once it has been still for a few reads, business time moves on by `stepMs`.
 * Bounded by business time skipped, never by wall-clock time (the test timeout covers that).
 */
export async function until<T>(
  journey: Journey,
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  {
    stepMs = HOUR_MS,
    maxBusinessMs = 40 * 24 * HOUR_MS,
    realMs = 100_000,
  }: { stepMs?: number; maxBusinessMs?: number; realMs?: number } = {},
): Promise<T> {
  let skipped = 0;
  // Only to fail with the last state before the test's own timeout does: never a timing assertion.
  const giveUpAt = Date.now() + realMs;
  let last = '';
  let stillReads = 0;
  for (;;) {
    const value = await readSettled(read);
    if (value !== undefined && done(value)) return value;
    const fingerprint = JSON.stringify(value);
    stillReads = fingerprint === last ? stillReads + 1 : 0;
    last = fingerprint;
    if (stillReads < 2) {
      await realPause(75);
      continue;
    }
    if (skipped >= maxBusinessMs || Date.now() > giveUpAt)
      throw new Error(`gave up waiting for ${what} after skipping ${skipped / HOUR_MS} h; last state: ${fingerprint.slice(0, 2000)}`);
    await skipBusinessTime(journey, stepMs);
    skipped += stepMs;
    stillReads = 0;
  }
}

/**
 * 1–999 ms added to every skip, so a skip never ends on the very instant a workflow timer falls due.
 * Workflows' timers are round durations too (a relay's 6 h sweep, a 48 h stall window): a skip of
 * 6 h ending exactly when a relay's sweep timer is due, then a signal at that instant, makes the
 * time-skipping test server reject the workflow task that cancels the timer it has just fired
 * ("invalid history builder state for action") and leave the task started for ever: the workflow
 * never moves again and, its task holding the clock, neither does time. A real server handles it.
 */
const offBeatMs = () => 1 + Math.floor(Math.random() * 999);

/**
 * Skips `stepMs` of business time, waiting at most 20 s of real time for the server: a skip only
 * completes once nothing holds the server's clock (an activity running, a workflow task in flight),
 * and on a loaded machine that can take longer than the test's patience. The next read tells whether
 * the state moved anyway; a skip still under way keeps the clock unlocked until it ends.
 */
export async function skipBusinessTime(journey: Journey, stepMs: number): Promise<void> {
  let done = false;
  const skip = journey.env.sleep(stepMs + offBeatMs()).then(
    () => {
      done = true;
    },
    // A skip cut short by the end of the test (the connection closed) changes nothing.
    () => {
      done = true;
    },
  );
  await Promise.race([skip, realPause(20_000)]);
  if (!done) console.warn(`[until] a skip of ${stepMs / 60_000} min of business time is still under way after 20 s`);
}

const FRANCE: CalendarPlace = { countryCode: 'FR' };

/** Working days in France: the warehouses' and the test orders' (Lyon) calendar. */
export const isFrenchWorkingDay = (day: string): boolean => isWorkingDayIn(FRANCE, day);

/** A working day whose next day is one too: a promise by the end of the next working day is ~39 h after 09:00. */
export const workingDayBeforeAnother = (day: string): boolean => isFrenchWorkingDay(day) && isFrenchWorkingDay(addDays(day, 1));

/**
 * Moves business time forward to `minuteOfDay` in Paris on the first day after today that `accept` takes, and
 * answers that day: a test whose scenario depends on the hour, the weekday or the calendar (a cut-off, a weekend
 * in transit, a promise's day) pins them instead of taking the wall clock's, so it passes whenever it runs.
 */
export async function skipToParisTime(journey: Journey, minuteOfDay: number, accept: (day: string) => boolean): Promise<string> {
  let day = localDay(await journey.env.currentTimeMs(), 'Europe/Paris');
  do day = addDays(day, 1);
  while (!accept(day));
  const atMs = localTimeMs(day, minuteOfDay, 'Europe/Paris');
  while ((await journey.env.currentTimeMs()) < atMs) await skipBusinessTime(journey, atMs - (await journey.env.currentTimeMs()));
  return day;
}

/** A query can race a workflow that is just starting or a child not started yet: those read as "nothing yet". */
async function readSettled<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof Error && /not found|no workflow|workflow task/i.test(`${error.name} ${error.message}`)) return undefined;
    throw error;
  }
}

export function untilShipmentStage(
  journey: Journey,
  shipmentId: string,
  stages: readonly ShipmentView['stage'][],
  options?: { stepMs?: number },
) {
  return until(
    journey,
    `${shipmentId} in ${stages.join('/')}`,
    () => shipmentView(journey, shipmentId),
    (s) => stages.includes(s.stage),
    options,
  );
}

export function untilOrderStage(journey: Journey, handle: OrderHandle, stages: readonly OrderView['stage'][]) {
  return until(
    journey,
    `${handle.workflowId} in ${stages.join('/')}`,
    () => orderView(handle),
    (o) => stages.includes(o.stage),
  );
}

/** Waits for an escalation row, read from the database as ops would see it. */
export function untilEscalation(
  journey: Journey,
  where: { orderId: string; reason: string; status?: 'open' | 'resolved'; severity?: string },
  options?: { stepMs?: number },
) {
  const db = journey.database.db;
  return until(
    journey,
    `escalation ${JSON.stringify(where)}`,
    async () =>
      db.escalation.findFirst({ where: { orderId: where.orderId, reason: where.reason as never }, orderBy: { openedAt: 'desc' } }),
    (e) =>
      e !== null &&
      (where.status === undefined || e.status === where.status) &&
      (where.severity === undefined || e.severity === where.severity),
    options,
  ).then((e) => {
    if (!e) throw new Error('unreachable: escalation missing');
    return e;
  });
}

/**
 * A workflow that opens an escalation stores its row first and learns the escalation's id only when
 * that activity returns: an answer sent as soon as the row shows can reach the workflow before it
 * knows the escalation, and be refused as "not open". Waits until the workflow's own view (the
 * shipment's, else the order's) lists it, which it does in the same step its resolve validator learns it.
 */
export async function untilWorkflowKnowsEscalation(
  journey: Journey,
  escalation: { id: string; orderId: string; shipmentId: string | null },
): Promise<void> {
  const { id, orderId, shipmentId } = escalation;
  const read = (): Promise<OrderView | ShipmentView> =>
    shipmentId !== null
      ? shipmentView(journey, shipmentId)
      : journey.env.client.workflow.getHandle(ids.orderWorkflowId(orderId)).query(orderStatusQuery);
  await until(journey, `${id} in the view of the workflow that opened it`, read, (v) => v.escalations.some((e) => e.escalationId === id), {
    stepMs: 60_000,
  });
}

/** The stock of every warehouse and SKU, to compare before and after a journey that must leave it untouched. */
export async function stockSnapshot(journey: Journey, skuCodes: readonly string[]) {
  const rows = await journey.database.db.inventoryLevel.findMany({
    where: { skuCode: { in: [...skuCodes] } },
    orderBy: [{ warehouseCode: 'asc' }, { skuCode: 'asc' }],
    select: { warehouseCode: true, skuCode: true, onHand: true, reserved: true },
  });
  return rows;
}

/**
 * A warehouse with no pick capacity left for the next week: a new shipment books a slot days away
 * and waits in `waiting_for_pick_slot`. Capacity, not the cut-off, so the wait never depends on the
 * time of day the suite runs (a cut-off at midnight is minutes away late in the evening).
 */
export async function fillWarehouseForAWeek(journey: Journey, warehouseCode: string): Promise<() => Promise<void>> {
  const db = journey.database.db;
  const { dailyCapacityShipments } = await db.warehouse.findUniqueOrThrow({ where: { code: warehouseCode } });
  const now = await journey.env.currentTimeMs();
  const days = Array.from({ length: 10 }, (_, i) => new Date(`${new Date(now + (i - 1) * DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`));
  const before = await db.warehouseCapacityDay.findMany({ where: { warehouseCode, day: { in: days } } });
  for (const day of days) {
    await db.warehouseCapacityDay.upsert({
      where: { warehouseCode_day: { warehouseCode, day } },
      create: { warehouseCode, day, booked: dailyCapacityShipments },
      update: { booked: dailyCapacityShipments },
    });
  }
  return async () => {
    for (const day of days) {
      const earlier = before.find((b) => b.day.getTime() === day.getTime());
      if (earlier)
        await db.warehouseCapacityDay.update({ where: { warehouseCode_day: { warehouseCode, day } }, data: { booked: earlier.booked } });
      else await db.warehouseCapacityDay.deleteMany({ where: { warehouseCode, day } });
    }
  };
}

export const recipient = (name: string): Address => ({ ...DEFAULT_ORDER.shipTo, name });

export const NEW_ADDRESS: Address = {
  name: 'Camille Martin',
  line1: '3 quai des Chartrons',
  city: 'Bordeaux',
  postalCode: '33000',
  countryCode: 'FR',
};

export function simulator(journey: Journey): CarrierSimulator {
  const sim = journey.carriers.simulator;
  if (!sim) throw new Error('these tests need the carrier simulator');
  return sim;
}

/** The address the carrier printed on a sold label. */
export function labelDestination(journey: Journey, trackingNumber: string): Address | undefined {
  const sold = simulator(journey).soldLabel(trackingNumber);
  if (!sold) return undefined;
  return (JSON.parse(sold.fingerprint) as { to: Address }).to;
}

/** Why an update was refused: WorkflowUpdateFailedError's cause carries the validator's reason. */
export async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const cause = error.cause instanceof Error ? error.cause.message : '';
    return `${error.name}: ${error.message}: ${cause}`;
  }
  throw new Error('expected the update to be refused, but it was accepted');
}

/**
 * Runs `act` while the test holds the row `id` of `table` (SELECT … FOR UPDATE), then `meanwhile` once a write waits on
 * that row (the journey's next write of it); the row is released after both, and the answer comes once `act` has
 * finished. A step that fails is the news, not the lock's transaction outliving its timeout because of it.
 */
export async function whileRowHeld(
  journey: Journey,
  row: { table: 'Return' | 'Shipment'; id: string },
  act: () => Promise<void>,
  meanwhile: () => Promise<void>,
): Promise<void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let taken = () => {};
  const lockTaken = new Promise<void>((resolve) => {
    taken = resolve;
  });
  const { db } = journey.database;
  let holder = 0;
  const locked = db.$transaction(
    async (tx) => {
      // The table name comes from the union above, never from input.
      await tx.$queryRawUnsafe(`SELECT "id" FROM "${row.table}" WHERE "id" = $1 FOR UPDATE`, row.id);
      const [backend] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS "pid"`;
      holder = backend?.pid ?? 0;
      taken();
      await held;
    },
    { timeout: 60_000 },
  );
  let failure: unknown;
  let acted: Promise<void> = Promise.resolve();
  try {
    await Promise.race([lockTaken, locked]);
    acted = act();
    acted.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    // A backend blocked by this transaction, which holds nothing but the row: not any lock not granted in pg_locks, which
    // lists the whole PostgreSQL every test file's database lives in (another file's wait would pass for this one's).
    await until(
      journey,
      `a write to wait on the ${row.table} row`,
      () =>
        db.$queryRaw<{ waiting: number }[]>`
          SELECT count(*)::int AS "waiting" FROM pg_stat_activity WHERE ${holder}::int = ANY(pg_blocking_pids("pid"))`,
      ([waiting]) => (waiting?.waiting ?? 0) > 0,
      { stepMs: 0 },
    );
    await meanwhile();
  } catch (error) {
    failure = error;
  } finally {
    release();
  }
  await locked.catch((error: unknown) => {
    failure ??= error;
  });
  if (failure !== undefined) throw failure;
  await acted;
}

/** A workflow's current details as the Web UI gets them (Markdown), and as it shows them: each escaped character plain. */
export async function currentDetailsOf(handle: WorkflowHandle): Promise<{ markdown: string; shown: string }> {
  const markdown = (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
  return { markdown, shown: markdown.replace(/\\([\\`*_{}[\]()#+!|<>~])/g, '$1') };
}

/**
 * Once the test is over, terminates the shipment its order's termination left going on alone (the carrier has the
 * parcel). Left to complete, its end reaches the time-skipping test server's terminated parent and that server's clock
 * stops there (seen: the next test's journey stood still at that instant for good). A real server has no such clock.
 */
export function stopLeftAloneShipmentAfterTest(journey: Journey, shipmentId: string): void {
  onTestFinished(() =>
    journey.env.client.workflow
      .getHandle(ids.shipmentWorkflowId(shipmentId))
      .terminate('test over')
      // Already over, or never started (the test failed before): nothing to stop.
      .then(
        () => undefined,
        () => undefined,
      ),
  );
}

/**
 * A sender of carrier scans to a labelled shipment, as its carrier's webhook would: one scan of `status` per call,
 * dated now on the test server's clock (for a carrier that sends nothing by itself, `[scenario:unused]`).
 */
export function scanSender(journey: Journey, labelled: Pick<ShipmentView, 'shipmentId' | 'carrierCode' | 'trackingNumber'>) {
  const carrier = labelled.carrierCode as SimulatedCarrierCode;
  const { shipmentId } = labelled;
  return async (eventId: string, status: Exclude<TrackingStatus, 'label_created'>): Promise<void> =>
    journey.env.client.workflow.getHandle(`shipment-${shipmentId}`).signal(trackingEventsSignal, {
      source: 'webhook',
      events: [
        {
          carrierCode: carrier,
          eventId: `${shipmentId}-${eventId}`,
          trackingNumber: labelled.trackingNumber ?? '',
          statusCode: CARRIER_STATUS_CODES[carrier][status],
          occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
        },
      ],
    });
}
