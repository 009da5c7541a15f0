import type { ShipmentStage } from '../domain/lifecycle';
import type { NormalisedTrackingEvent } from '../domain/tracking';
import type { DeliveryRounds } from './delivery-rounds';
import type { InventoryActivities } from './inventory';
import type { RepromiseActivities, RepromiseAnswer, RepromiseRequest } from './repromise';
import type { StageRecord } from './stage-timing';
import type { createTrackingActivities } from './tracking';

type TrackingActivities = ReturnType<typeof createTrackingActivities>;

export interface StoreScansRequest {
  shipmentId: string;
  /** Fresh scans as heard, one batch per webhook or poll, oldest first. */
  batches: { source: 'webhook' | 'poll'; events: NormalisedTrackingEvent[] }[];
  /** The status the workflow's tracking model arrived at after these scans. */
  status: ShipmentStage;
  lastScanAt: string | null;
  /** Stage visits that ended or began with these scans. */
  stages: StageRecord[];
  /** The carrier has the parcel now: its stock left the building. */
  consumeReservations?: boolean;
  /** Judge the promise from where the parcel now is (re-promise from a scan). */
  judgePromise?: RepromiseRequest;
  /**
   * The label's carrier, whose delivery round (domain/delivery-round.ts) to answer as learned now: a label booked
   * before the carrier had delivered enough parcels to learn it from gets it later, by its promise day.
   */
  roundOf?: string;
}

export interface StoredScans {
  stored: number;
  promise?: RepromiseAnswer;
  /** `roundOf`'s delivery round now, when learned. */
  outForDeliveryByHours?: number;
}

/**
 * The bookkeeping a v3 shipment does when scans arrive, as one local activity: store them with the status
 * they lead to and the stage visits, consume the reservations at the hand-over, judge the promise from the
 * scan (re-promise, announced when the order's date moves) and answer the carrier's delivery round as learned
 * now. Each part is idempotent (scans by carrier event id, reservations consumed once, promise changes keyed
 * by date), so a retry of the whole is safe; the judgement runs after the scans are stored because it dates
 * the parcel from its hand-over.
 */
export function createScanBookkeeping(deps: {
  tracking: Pick<TrackingActivities, 'recordTrackingEvents'>;
  inventory: Pick<InventoryActivities, 'consumeReservations'>;
  repromise: Pick<RepromiseActivities, 'repromiseShipment'>;
  rounds?: Pick<DeliveryRounds, 'of'>;
}) {
  return {
    async storeScans(input: StoreScansRequest): Promise<StoredScans> {
      const { shipmentId, batches, status, lastScanAt } = input;
      let stored = 0;
      for (const [i, batch] of batches.entries()) {
        const last = i === batches.length - 1;
        const written = await deps.tracking.recordTrackingEvents({
          shipmentId,
          source: batch.source,
          events: batch.events,
          status,
          lastScanAt,
          ...(last ? { stages: input.stages } : {}),
        });
        stored += written.stored;
      }
      if (input.consumeReservations) await deps.inventory.consumeReservations({ shipmentId });
      const round = input.roundOf === undefined ? undefined : await deps.rounds?.of(input.roundOf);
      return {
        stored,
        ...(input.judgePromise ? { promise: await deps.repromise.repromiseShipment({ ...input.judgePromise, announce: true }) } : {}),
        ...(round ? { outForDeliveryByHours: round.outByHoursBeforeClose } : {}),
      };
    },
  };
}
