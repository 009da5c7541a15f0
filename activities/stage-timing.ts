import type { Db } from './db';
import { asActivity } from './failures';

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

/**
 * The process chart's raw figures: when each stage of each order and shipment started and ended,
 * and how. Written in batches, so timing the journey adds no round trip per stage.
 */
export function createStageTimingActivities(db: Db) {
  return {
    recordStages(input: { stages: StageRecord[] }): Promise<void> {
      return asActivity(async () => {
        for (const s of input.stages) {
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
          await db.stageTiming.upsert({
            where: { dedupeKey },
            create: { id: dedupeKey, dedupeKey, ...data },
            update: { endedAt: data.endedAt, outcome: data.outcome, costCents: data.costCents },
          });
        }
      });
    },
  };
}
