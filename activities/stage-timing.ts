import { isFinalOrderStage, type OrderStage, type ShipmentStage } from '../domain/lifecycle';
import type { Db } from './db';
import { asActivity } from './failures';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';
import { endMilestones, orderEndMilestones } from './orders';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface StageRecord {
  orderId: string;
  shipmentId?: string;
  stage: string;
  startedAt: string;
  endedAt?: string;
  outcome?: 'ok' | 'failed' | 'escalated' | 'cancelled';
  costCents?: number;
}

/** One row per stage visit; the key makes a retried write land on the same row. */
export const stageKey = (r: Pick<StageRecord, 'orderId' | 'shipmentId' | 'stage' | 'startedAt'>) =>
  `${r.shipmentId ?? r.orderId}:${r.stage}:${r.startedAt}`;

/** One visit's row, keyed so a retried write lands on the same row (a query to await, alone or in a batch transaction). */
function upsertStage(tx: Pick<Tx, 'stageTiming'>, s: StageRecord) {
  const data = {
    orderId: s.orderId,
    shipmentId: s.shipmentId ?? null,
    stage: s.stage,
    startedAt: new Date(s.startedAt),
    endedAt: s.endedAt ? new Date(s.endedAt) : null,
    outcome: s.outcome ?? null,
    costCents: s.costCents ?? null,
  };
  const dedupeKey = stageKey(s);
  return tx.stageTiming.upsert({
    where: { dedupeKey },
    create: { id: dedupeKey, dedupeKey, ...data },
    update: { endedAt: data.endedAt, outcome: data.outcome, costCents: data.costCents },
  });
}

/** One row per visit, keyed so a retried write lands on the same row. */
async function upsertStages(tx: Pick<Tx, 'stageTiming'>, stages: readonly StageRecord[]): Promise<void> {
  for (const s of stages) await upsertStage(tx, s);
}

export interface OrderStageChange {
  orderId: string;
  status: OrderStage;
  /** Visits that ended or began with this change. */
  stages: StageRecord[];
  backorderDeadline?: string;
  /** Set once the order ends. */
  packagingCostCents?: number;
  /** Why a cancelled or failed order ended (absent in histories recorded before it was sent). */
  endReason?: string;
  shippingCostCents?: number;
}

export interface ShipmentStageChange {
  shipmentId: string;
  status: ShipmentStage;
  stages: StageRecord[];
}

/**
 * Stage bookkeeping: the status an order or shipment is in now (what the process chart counts "in stage
 * now") and its stage visits (the chart's durations), written together by the workflow that owns them.
 * Short and retried by the workflow, so they run as local activities.
 */
export function createStageTimingActivities(db: Db, waker: RelayWaker = noRelayWaker) {
  return {
    recordOrderStage(change: OrderStageChange): Promise<void> {
      return asActivity(() =>
        withMilestones(db, waker, async (tx) => {
          const before = await tx.order.findUnique({ where: { id: change.orderId }, select: { status: true } });
          // Final is final: a run of an ended order (a reset to its start, a start by hand) writes nothing over how it ended.
          // The same end again is this write's retry, after a wake-up Temporal did not take: its milestones, already
          // recorded, are offered again so that their relays are woken now rather than at the next sweep.
          if (before && isFinalOrderStage(before.status)) {
            const again = before.status === change.status ? endMilestones(change.orderId, change.status, change.endReason) : [];
            return { result: undefined, milestones: again };
          }
          const final = isFinalOrderStage(change.status);
          await tx.order.updateMany({
            where: { id: change.orderId },
            data: {
              status: change.status,
              ...(change.backorderDeadline ? { backorderDeadline: new Date(change.backorderDeadline) } : {}),
              ...(change.packagingCostCents !== undefined ? { packagingCostCents: change.packagingCostCents } : {}),
              ...(change.shippingCostCents !== undefined ? { shippingCostCents: change.shippingCostCents } : {}),
              ...(final ? { completedAt: new Date() } : {}),
              ...(change.endReason !== undefined ? { endReason: change.endReason } : {}),
            },
          });
          await upsertStages(tx, change.stages);
          // An order that ends before it reserved (cancelled while queued) no longer holds what it was promised.
          if (final) await tx.$executeRaw`DELETE FROM "PromisedStock" WHERE "orderId" = ${change.orderId}`;
          return { result: undefined, milestones: orderEndMilestones(change.orderId, before?.status, change.status, change.endReason) };
        }),
      );
    },

    recordShipmentStage(change: ShipmentStageChange): Promise<void> {
      return asActivity(() =>
        db.$transaction(async (tx) => {
          await tx.shipment.update({ where: { id: change.shipmentId }, data: { status: change.status } });
          await upsertStages(tx, change.stages);
        }),
      );
    },

    /** v1: stage visits alone, in batches (v2 writes them with each status change). */
    recordStages(input: { stages: StageRecord[] }): Promise<void> {
      return asActivity(() => upsertStages(db, input.stages));
    },
  };
}

export { upsertStage, upsertStages };
