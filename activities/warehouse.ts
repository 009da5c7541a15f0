import { heartbeat } from '@temporalio/activity';
import type { Parcel } from '../domain/carrier';
import { planPackages } from '../domain/cartonization/plan-packages';
import type { CartonItem, PlannedPackage } from '../domain/cartonization/shapes';
import { DomainError } from '../domain/errors';
import { currentBusinessClock } from './business-clock';
import { bookSlotIn, type PickSlot, type SlotInput } from './pick-slots';
import type { Db } from './db';
import { type AlreadyEnded, endedShipment, unknownShipment } from './ended-shipment';
import { asActivity } from './failures';
import { type AlreadyLabelled, alreadyDone } from './labelled-shipment';
import { toParcel } from './parcels';
import { type StageRecord, upsertStages } from './stage-timing';

export interface PackedShipment {
  parcels: Parcel[];
  packages: PlannedPackage[];
  packagingCostCents: number;
  origin: { warehouseCode: string; postalCode: string; countryCode: string };
}

/** What the first workflows (workflows/v1) were given: they retry a full warehouse until a slot frees up. */
const V1_HORIZON_DAYS = 30;

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * A shipment whose slot was booked with its plan has the pick write its `picking` status and its stage visits
 * so far (the last one `picking` itself) in the pick's transaction: the workflow task that schedules the pick
 * then carries no bookkeeping of its own. A pick refused or never served writes nothing.
 */
export interface PickStage {
  stages: StageRecord[];
}

/**
 * The pick list is confirmed picked. Stock stays reserved until the carrier takes the parcel. Named by the
 * warehouse picking it, a pick is refused once the shipment was moved away or the warehouse is down: the
 * shipment row's lock orders it against the move (activities/reallocation.ts), so never both happen.
 */
async function pick(
  db: Db,
  shipmentId: string,
  warehouseCode?: string,
  stage?: PickStage,
): Promise<{ pickedAt: string; firstTime: boolean }> {
  heartbeat('picking');
  return db.$transaction(async (tx) => {
    const [shipment] = await tx.$queryRaw<{ pickedAt: Date | null; warehouseCode: string; downSince: Date | null }[]>`
      SELECT s."pickedAt", s."warehouseCode", w."downSince"
      FROM "Shipment" s JOIN "Warehouse" w ON w."code" = s."warehouseCode"
      WHERE s."id" = ${shipmentId} FOR UPDATE OF s`;
    if (!shipment) throw unknownShipment(shipmentId);
    if (shipment.pickedAt) {
      // A retry (the first attempt may have been a worker's that did not write stages): written again, by key.
      if (stage) await writePickStage(tx, shipmentId, stage);
      return { pickedAt: shipment.pickedAt.toISOString(), firstTime: false };
    }
    if (warehouseCode !== undefined && shipment.warehouseCode !== warehouseCode) {
      throw new DomainError('WarehouseDown', `shipment ${shipmentId} left ${warehouseCode} for ${shipment.warehouseCode}`, {
        warehouseCode,
        movedTo: shipment.warehouseCode,
      });
    }
    if (warehouseCode !== undefined && shipment.downSince) {
      throw new DomainError('WarehouseDown', `${warehouseCode} is down: shipment ${shipmentId} is not picked there`, { warehouseCode });
    }
    const pickedAt = new Date();
    await tx.shipment.update({ where: { id: shipmentId }, data: { pickedAt } });
    if (stage) await writePickStage(tx, shipmentId, stage);
    return { pickedAt: pickedAt.toISOString(), firstTime: true };
  });
}

/** `picking`, unless the workflow has already written a later stage, and the stage visits (keyed: a rewrite lands on the same rows). */
async function writePickStage(tx: Tx, shipmentId: string, stage: PickStage): Promise<void> {
  await tx.shipment.updateMany({
    where: { id: shipmentId, status: { in: ['planned', 'waiting_for_pick_slot', 'picking'] } },
    data: { status: 'picking' },
  });
  await upsertStages(tx, stage.stages);
}

/**
 * Repackaging: chooses boxes from this warehouse's catalogue for the lowest billed cost and records
 * the packages. A retry returns the packages already recorded.
 */
async function pack(db: Db, shipmentId: string, v1Status: boolean): Promise<PackedShipment> {
  const shipment = await db.shipment.findUniqueOrThrow({
    where: { id: shipmentId },
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
  // Boxes filled no heavier than a carrier takes, as the promise packed them (domain/fulfilment-plan.ts).
  const heaviest = (await db.carrier.aggregate({ where: { active: true }, _max: { maxParcelWeightGrams: true } }))._max
    .maxParcelWeightGrams;
  heartbeat('planning packages');
  const plan = planPackages(items, boxes, heaviest ? { maxPackageGrams: heaviest } : {});
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
      data: { packedAt: new Date(), packagingCostCents: plan.totalBoxCostCents, ...(v1Status ? { status: 'rating' as const } : {}) },
    }),
  ]);
  return { parcels: plan.packages.map(toParcel), packages: plan.packages, packagingCostCents: plan.totalBoxCostCents, origin };
}

/**
 * The warehouse's side of a shipment. These activities run on the warehouse's own task queue
 * (`warehouse-<code>`), so a warehouse outage stalls only its own shipments. None writes the
 * shipment's status of its own accord: its workflow does, at each stage change (activities/stage-timing.ts),
 * or hands the pick the `picking` stage to write (`PickStage`) — except the v1 variants below, which keep
 * what the first workflows relied on.
 */
export function createWarehouseActivities(db: Db) {
  return {
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

    /** `warehouseCode`: the warehouse picking (absent from shipments started before outages were handled). */
    /**
     * `stageWritten`: the pick wrote the `stage` it was given (a worker of the release before ignores it and says nothing).
     * A shipment that has ended already (a run reset to its start, whose first step is this pick) is neither picked nor
     * written: `alreadyEnded` (activities/ended-shipment.ts); nor one labelled before, when the run can go on from its label
     * (`resumeAtLabel`): `alreadyLabelled` (activities/labelled-shipment.ts).
     */
    pickItems(input: {
      shipmentId: string;
      warehouseCode?: string;
      stage?: PickStage;
      resumeAtLabel?: true;
    }): Promise<{ pickedAt: string; stageWritten?: true } | AlreadyEnded | AlreadyLabelled> {
      return asActivity(async () => {
        const done = await alreadyDone(db, input.shipmentId, input.resumeAtLabel);
        if (done) return done;
        return {
          pickedAt: (await pick(db, input.shipmentId, input.warehouseCode, input.stage)).pickedAt,
          ...(input.stage ? { stageWritten: true as const } : {}),
        };
      });
    },

    packParcels(input: { shipmentId: string }): Promise<PackedShipment> {
      return asActivity(() => pack(db, input.shipmentId, false));
    },

    // ---- v1 only (workflows/v1): the same work, plus the status writes those workflows relied on; remove with v1.

    /**
     * v1: books with a 30-day horizon (a full warehouse is retried until a slot frees up) and marks the shipment picking.
     * A shipment that has ended is refused: a v1 run started on it by hand (or reset to its first task) went on to pick,
     * pack and buy a real label for a cancelled order, and set a delivered parcel back to picking. v2 and v3 end such a
     * run with the outcome (`alreadyEnded`); v1's code is frozen, so its first step refuses.
     */
    reservePickSlot(input: SlotInput): Promise<PickSlot> {
      return asActivity(async () => {
        const ended = await endedShipment(db, input.shipmentId);
        if (ended) {
          const { orderId } = await db.shipment.findUniqueOrThrow({ where: { id: input.shipmentId }, select: { orderId: true } });
          throw new DomainError(
            'OrderStateConflict',
            `shipment ${input.shipmentId} is ${ended.stage}: a v1 run does not take its journey again`,
            {
              orderId,
              state: ended.stage,
              attempted: 'reservePickSlot',
            },
          );
        }
        const clock = await currentBusinessClock(db, input.nowMs);
        return db.$transaction(async (tx) => {
          const slot = await bookSlotIn(tx, input, V1_HORIZON_DAYS, clock).catch((error: unknown) => {
            if (error instanceof DomainError && error.type === 'NoPickSlot') throw new RangeError(error.message);
            throw error;
          });
          await tx.shipment.update({ where: { id: input.shipmentId }, data: { status: 'picking' } });
          return slot;
        });
      });
    },

    /** v1: picks and marks the shipment packing. */
    pickShipment(input: { shipmentId: string }): Promise<{ pickedAt: string }> {
      return asActivity(async () => {
        const picked = await pick(db, input.shipmentId);
        if (picked.firstTime) await db.shipment.update({ where: { id: input.shipmentId }, data: { status: 'packing' } });
        return { pickedAt: picked.pickedAt };
      });
    },

    /** v1: packs and marks the shipment rating. */
    packShipment(input: { shipmentId: string }): Promise<PackedShipment> {
      return asActivity(() => pack(db, input.shipmentId, true));
    },
  };
}
