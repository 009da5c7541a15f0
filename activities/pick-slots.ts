import { type BusinessClock, toBusinessMs } from '../domain/business-clock';
import { isWorkingDayIn } from '../domain/calendar';
import { DEFAULT_WAREHOUSE_DOWN_AFTER_MINUTES } from '../domain/decision-rules';
import { DomainError } from '../domain/errors';
import { localMidnightMs } from '../domain/local-time';
import { cutoffJudgedAt, nextPickSlot } from '../domain/warehouse-slot';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';
import type { AlreadyEnded } from './ended-shipment';
import { type AlreadyLabelled, alreadyDone } from './labelled-shipment';
import { asActivity } from './failures';

/**
 * A shipment's pick slot: a working day of its warehouse's capacity calendar, booked under the warehouse's lock so
 * no day is promised more picks than the warehouse makes (the pick itself: activities/warehouse.ts).
 */

export interface PickSlot {
  /** Working day (YYYY-MM-DD, warehouse local, business calendar) whose capacity this shipment uses. */
  day: string;
  /**
   * `nowMs` plus the business milliseconds until the slot opens: the journey waits (startsAtMs − now) ÷ time
   * scale of real time, so under an accelerated clock the wait is the slot's business distance, scaled.
   */
  startsAtMs: number;
  /**
   * Business milliseconds the warehouse's queue may leave the pick unserved before the warehouse counts as
   * down (COLIS_WAREHOUSE_DOWN_AFTER_MINUTES); absent from slots booked before outages were handled.
   */
  serveWithinMs?: number;
}

/** A slot the shipment booked itself (`bookPickSlot`), with whether its warehouse was down at the booking. */
export interface BookedPickSlot extends PickSlot {
  /**
   * Why the warehouse is down (its recorded reason, else a plain "down"), when ops or an unserved queue declared it so
   * before the booking: the shipment moves on rather than wait for a slot nobody will pick. Absent while it is up, and
   * in every result recorded before it was reported, which the workflow reads as up.
   */
  warehouseDown?: string;
}

/**
 * Days of capacity looked at when booking a slot. A backlog longer than this is an operations problem:
 * the shipment escalates (no_pick_slot) instead of waiting weeks for a slot nobody decided to give it.
 */
export const PICK_SLOT_HORIZON_DAYS = 14;
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
export type SlotInput = {
  shipmentId: string;
  warehouseCode: string;
  /** Workflow time: keeps slot maths on the orchestrator's clock. */
  nowMs: number;
  /** Workflow time the order came in (its first shipments only). */
  receivedAtMs?: number;
};

/**
 * Takes the warehouse's booking lock until the transaction ends: bookings at one warehouse wait for each
 * other, so its capacity is never exceeded. `FOR NO KEY UPDATE`, not `FOR UPDATE`: every row written with a
 * foreign key to the warehouse (stock movements, reservations, shipments) has PostgreSQL take `FOR KEY SHARE`
 * on the warehouse row, which `FOR UPDATE` blocks; under load every order's writes at that warehouse queued
 * behind each booking (40 such checks per single-item order, bench/RESULTS.md, issue 11).
 */
export async function lockWarehouseForBooking(tx: Tx, warehouseCode: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "Warehouse" WHERE "code" = ${warehouseCode} FOR NO KEY UPDATE`;
}

/**
 * Books a pick slot: today if before the cut-off and under the daily capacity, else the next
 * working day with room. The warehouse's booking lock serialises concurrent bookings, so capacity
 * is never exceeded; a retried call finds its own booking and returns it.
 */
export async function bookSlotIn(tx: Tx, input: SlotInput, horizonDays: number, clock: BusinessClock): Promise<PickSlot> {
  await lockWarehouseForBooking(tx, input.warehouseCode);
  const warehouse = await tx.warehouse.findUniqueOrThrow({ where: { code: input.warehouseCode } });
  const shipment = await tx.shipment.findUniqueOrThrow({ where: { id: input.shipmentId } });
  // Pick days are business days, the ones the promise engine counts, on the deployment's clock.
  const nowMs = toBusinessMs(clock, input.nowMs);
  const inWorkflowTime = (businessMs: number) => input.nowMs + Math.max(0, businessMs - nowMs);
  if (shipment.pickDay) {
    // A retry after the booking committed: same day, no second unit of capacity.
    const day = isoDay(shipment.pickDay);
    return { day, startsAtMs: inWorkflowTime(localMidnightMs(day, warehouse.timeZone)) };
  }
  const from = new Date(nowMs - 2 * 86_400_000);
  const booked = await tx.warehouseCapacityDay.findMany({ where: { warehouseCode: warehouse.code, day: { gte: from } } });
  const slot = nextPickSlot({
    nowMs: cutoffJudgedAt(
      nowMs,
      input.receivedAtMs === undefined ? undefined : toBusinessMs(clock, input.receivedAtMs),
      warehouse.timeZone,
    ),
    timeZone: warehouse.timeZone,
    cutoffLocalTime: warehouse.cutoffLocalTime,
    dailyCapacity: warehouse.dailyCapacityShipments,
    bookedByDay: Object.fromEntries(booked.map((b) => [isoDay(b.day), b.booked])),
    horizonDays,
    isPickDay: (day) =>
      isWorkingDayIn({ countryCode: warehouse.countryCode, ...(warehouse.holidayRegion ? { region: warehouse.holidayRegion } : {}) }, day),
  });
  if (slot === undefined) {
    throw new DomainError('NoPickSlot', `${warehouse.code} has no pick capacity left in the next ${horizonDays} days`, {
      warehouseCode: warehouse.code,
      horizonDays,
    });
  }
  const day = new Date(`${slot.day}T00:00:00Z`);
  await tx.warehouseCapacityDay.upsert({
    where: { warehouseCode_day: { warehouseCode: warehouse.code, day } },
    create: { warehouseCode: warehouse.code, day, booked: 1 },
    update: { booked: { increment: 1 } },
  });
  await tx.shipment.update({ where: { id: shipment.id }, data: { pickDay: day } });
  return { day: slot.day, startsAtMs: inWorkflowTime(slot.startsAtMs) };
}

/** 0: the queue never declares the warehouse down (the workflow then waits for the pick as it did before outages). */
export function withServeWithin<S extends PickSlot>(slot: S, warehouseDownAfterMinutes: number): S {
  return warehouseDownAfterMinutes > 0 ? { ...slot, serveWithinMs: warehouseDownAfterMinutes * 60_000 } : slot;
}

/**
 * Booking a slot is bookkeeping against the warehouses' capacity calendar, one short transaction the
 * workflow can simply retry: it runs as a local activity on the orders worker, in the same workflow
 * task as the stage it begins, and does not wait for a warehouse worker (the pick does).
 */
export function createPickSlotActivities(db: Db, warehouseDownAfterMinutes = DEFAULT_WAREHOUSE_DOWN_AFTER_MINUTES) {
  return {
    /**
     * A shipment that has ended already (a run reset to its start) books nothing: `alreadyEnded` (activities/ended-shipment.ts);
     * nor one labelled before, when the run can go on from its label (`resumeAtLabel`): `alreadyLabelled` (./labelled-shipment.ts).
     */
    bookPickSlot(input: SlotInput & { resumeAtLabel?: true }): Promise<BookedPickSlot | AlreadyEnded | AlreadyLabelled> {
      return asActivity(async () => {
        const done = await alreadyDone(db, input.shipmentId, input.resumeAtLabel);
        if (done) return done;
        const clock = await currentBusinessClock(db, input.nowMs);
        const slot = await db.$transaction(async (tx): Promise<BookedPickSlot> => {
          const booked = await bookSlotIn(tx, input, PICK_SLOT_HORIZON_DAYS, clock);
          // Read under the booking lock, which a declaration down or up waits for: the answer and the row agree.
          const warehouse = await tx.warehouse.findUniqueOrThrow({
            where: { code: input.warehouseCode },
            select: { downSince: true, downReason: true },
          });
          if (warehouse.downSince === null) return booked;
          return { ...booked, warehouseDown: warehouse.downReason ?? `${input.warehouseCode} is down` };
        });
        return withServeWithin(slot, warehouseDownAfterMinutes);
      });
    },
  };
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
