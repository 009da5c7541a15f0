import { heartbeat } from '@temporalio/activity';
import type { Parcel } from '../domain/carrier';
import { type CartonItem, planPackages, type PlannedPackage } from '../domain/cartonization';
import { nextPickSlot } from '../domain/warehouse-slot';
import type { Db } from './db';
import { asActivity } from './failures';

export interface PickSlot {
  /** Working day (YYYY-MM-DD, warehouse local) whose capacity this shipment uses. */
  day: string;
  startsAtMs: number;
}

export interface PackedShipment {
  parcels: Parcel[];
  packages: PlannedPackage[];
  packagingCostCents: number;
  origin: { warehouseCode: string; postalCode: string; countryCode: string };
}

/** Days of capacity looked at when choosing a slot: far more than any backlog should reach. */
const CAPACITY_HORIZON_DAYS = 30;

/**
 * The warehouse's side of a shipment. These activities run on the warehouse's own task queue
 * (`warehouse-<code>`), so a warehouse outage stalls only its own shipments.
 */
export function createWarehouseActivities(db: Db) {
  return {
    /**
     * Books a pick slot: today if before the cut-off and under the daily capacity, else the next
     * working day with room. The warehouse row lock serialises concurrent bookings, so capacity
     * is never exceeded; a retried call finds its own booking and returns it.
     */
    reservePickSlot(input: {
      shipmentId: string;
      warehouseCode: string /** Workflow time: keeps slot maths on the orchestrator's clock. */;
      nowMs: number;
    }): Promise<PickSlot> {
      return asActivity(() =>
        db.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 1 FROM "Warehouse" WHERE "code" = ${input.warehouseCode} FOR UPDATE`;
          const warehouse = await tx.warehouse.findUniqueOrThrow({ where: { code: input.warehouseCode } });
          const shipment = await tx.shipment.findUniqueOrThrow({ where: { id: input.shipmentId } });
          const nowMs = input.nowMs;
          const from = new Date(nowMs - 2 * 86_400_000);
          const booked = await tx.warehouseCapacityDay.findMany({
            where: { warehouseCode: warehouse.code, day: { gte: from } },
          });
          const bookedByDay = Object.fromEntries(booked.map((b) => [isoDay(b.day), b.booked]));
          if (shipment.pickDay) {
            // A retry after the booking committed: same day, no second unit of capacity.
            const day = isoDay(shipment.pickDay);
            return { day, startsAtMs: Math.max(nowMs, Date.parse(`${day}T00:00:00Z`)) };
          }
          const slot = nextPickSlot({
            nowMs,
            timeZone: warehouse.timeZone,
            cutoffLocalTime: warehouse.cutoffLocalTime,
            dailyCapacity: warehouse.dailyCapacityShipments,
            bookedByDay,
            horizonDays: CAPACITY_HORIZON_DAYS,
          });
          const day = new Date(`${slot.day}T00:00:00Z`);
          await tx.warehouseCapacityDay.upsert({
            where: { warehouseCode_day: { warehouseCode: warehouse.code, day } },
            create: { warehouseCode: warehouse.code, day, booked: 1 },
            update: { booked: { increment: 1 } },
          });
          await tx.shipment.update({ where: { id: shipment.id }, data: { pickDay: day, status: 'picking' } });
          return { day: slot.day, startsAtMs: slot.startsAtMs };
        }),
      );
    },

    /** Gives the slot back (cancelled before picking), so the capacity serves another shipment. */
    releasePickSlot(input: { shipmentId: string }): Promise<void> {
      return asActivity(() =>
        db.$transaction(async (tx) => {
          const rows = await tx.$queryRaw<{ pickDay: Date | null; warehouseCode: string }[]>`
            SELECT "pickDay", "warehouseCode" FROM "Shipment" WHERE "id" = ${input.shipmentId} FOR UPDATE`;
          const row = rows[0];
          if (!row?.pickDay) return;
          await tx.warehouseCapacityDay.updateMany({
            where: { warehouseCode: row.warehouseCode, day: row.pickDay, booked: { gt: 0 } },
            data: { booked: { decrement: 1 } },
          });
          await tx.shipment.update({ where: { id: input.shipmentId }, data: { pickDay: null } });
        }),
      );
    },

    /** The pick list is confirmed picked. Stock stays reserved until the carrier takes the parcel. */
    pickShipment(input: { shipmentId: string }): Promise<{ pickedAt: string }> {
      return asActivity(async () => {
        heartbeat('picking');
        const shipment = await db.shipment.findUniqueOrThrow({ where: { id: input.shipmentId } });
        const pickedAt = shipment.pickedAt ?? new Date();
        if (!shipment.pickedAt) {
          await db.shipment.update({ where: { id: input.shipmentId }, data: { pickedAt, status: 'packing' } });
        }
        return { pickedAt: pickedAt.toISOString() };
      });
    },

    /**
     * Repackaging: chooses boxes from this warehouse's catalogue for the lowest billed cost and
     * records the packages. A retry returns the packages already recorded.
     */
    packShipment(input: { shipmentId: string }): Promise<PackedShipment> {
      return asActivity(async () => {
        const shipment = await db.shipment.findUniqueOrThrow({
          where: { id: input.shipmentId },
          include: { lines: true, packages: { orderBy: { seq: 'asc' } }, warehouse: true },
        });
        const origin = {
          warehouseCode: shipment.warehouse.code,
          postalCode: shipment.warehouse.postalCode,
          countryCode: shipment.warehouse.countryCode,
        };
        if (shipment.packages.length > 0) {
          const packages = shipment.packages.map((p) => ({
            boxId: p.boxTypeId,
            boxCode: null,
            lengthMm: p.lengthMm,
            widthMm: p.widthMm,
            heightMm: p.heightMm,
            weightGrams: p.weightGrams,
            billableWeightGrams: p.billableWeightGrams,
            contents: p.contents as { skuCode: string; quantity: number }[],
            boxCostCents: 0,
          }));
          return { parcels: packages.map(toParcel), packages, packagingCostCents: shipment.packagingCostCents, origin };
        }
        const skus = await db.sku.findMany({ where: { code: { in: shipment.lines.map((l) => l.skuCode) } } });
        const items: CartonItem[] = shipment.lines.map((line) => {
          const sku = skus.find((s) => s.code === line.skuCode);
          if (!sku) throw new Error(`SKU ${line.skuCode} vanished from the catalogue`);
          return {
            skuCode: sku.code,
            lengthMm: sku.lengthMm,
            widthMm: sku.widthMm,
            heightMm: sku.heightMm,
            weightGrams: sku.weightGrams,
            quantity: line.quantity,
          };
        });
        const boxes = await db.boxType.findMany({ where: { warehouseCode: shipment.warehouseCode, active: true } });
        heartbeat('planning packages');
        const plan = planPackages(items, boxes);
        await db.$transaction([
          db.package.createMany({
            data: plan.packages.map((p, i) => ({
              id: `${shipment.id}-P${i + 1}`,
              shipmentId: shipment.id,
              seq: i + 1,
              boxTypeId: p.boxId,
              lengthMm: p.lengthMm,
              widthMm: p.widthMm,
              heightMm: p.heightMm,
              weightGrams: Math.max(1, p.weightGrams),
              billableWeightGrams: p.billableWeightGrams,
              contents: p.contents,
            })),
            skipDuplicates: true,
          }),
          db.shipment.update({
            where: { id: shipment.id },
            data: { packedAt: new Date(), packagingCostCents: plan.totalBoxCostCents, status: 'rating' },
          }),
        ]);
        return {
          parcels: plan.packages.map(toParcel),
          packages: plan.packages,
          packagingCostCents: plan.totalBoxCostCents,
          origin,
        };
      });
    },
  };
}

function toParcel(p: Pick<PlannedPackage, 'lengthMm' | 'widthMm' | 'heightMm' | 'weightGrams'>): Parcel {
  return { lengthMm: p.lengthMm, widthMm: p.widthMm, heightMm: p.heightMm, weightGrams: Math.max(1, p.weightGrams) };
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
