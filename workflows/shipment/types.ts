import type { NormalisedTrackingEvent, TrackingState } from '../../domain/tracking';
import type { EscalationView, ShipmentLine, ShipmentView } from '../../domain/journey';
import type { FinalShipmentStage } from '../../domain/lifecycle';
import type { ParcelLossCause } from '../../domain/parcel-loss';
import type { Address, ServiceLevel } from '../../domain/order';
import type { PackedShipment, PlannedPickSlot, StageRecord, StoreScansRequest } from '../activity-types';
import type { EscalationState } from '../shared/escalation-owner';
import type { Compensation } from './saga';

export interface ShipmentInput {
  orderId: string;
  shipmentId: string;
  warehouseCode: string;
  customerId: string;
  lines: ShipmentLine[];
  shipTo: Address;
  serviceLevel: ServiceLevel;
  promisedBy: string;
  /** Business seconds per real second (see domain/clock.ts). */
  timeScale: number;
  /** When the order came in: an order received before the warehouse's cut-off makes that day's pick (absent: from the booking). */
  orderReceivedAt?: string;
  /**
   * The pick slot its order booked with the plan (order/fulfilment.ts): the shipment starts on it, its wait (if
   * any) already written, and its pick writes the `picking` stage. Absent for replacements, for a warehouse with
   * no capacity in sight, and in runs started before: the shipment books its own slot.
   */
  pickSlot?: PlannedPickSlot;
  /** Set by a continue-as-new during tracking: where the previous run left off. */
  carriedOver?: ShipmentCarryOver;
  /** Past this many history events, tracking continues as new (default 2,000; tests set it low). */
  historyEventsPerRun?: number;
  /**
   * Started again by its order after Temporal lost the journey (deleted: order/terminated-shipment.ts): like a reset
   * run, it goes on from a label bought before it (shipment/resume.ts) rather than replaying the journey.
   */
  startedAgain?: true;
}

export interface ShipmentOutcome {
  shipmentId: string;
  stage: FinalShipmentStage;
  packagingCostCents: number;
  shippingCostCents: number;
  promiseMiss: boolean;
  savingCents: number;
  /** Ops re-shipped this (lost, damaged or late) parcel: the order sends its lines again in a replacement shipment. */
  reshipped?: { reason: string; cause?: ParcelLossCause };
}

/** The label the shipment travels under, and whether its carrier pushes scans or must be polled. */
export interface LabelInHand {
  attempt: number;
  carrierCode: string;
  trackingNumber: string;
  amountCents: number;
  supportsWebhooks: boolean;
  /** A carrier that pushes scans but is polled too once this fraction of the stall window passes without one (absent in histories recorded before). */
  pollStallFraction?: number;
  /**
   * The carrier's learned stall windows after the 1st, 2nd and later transit scans (domain/scan-rhythm.ts),
   * as the rate shop read them; absent in histories recorded before, and until the carrier has delivered enough.
   */
  stallWindowHours?: (number | null)[];
  /**
   * The carrier's learned delivery round (domain/delivery-round.ts): business hours before the promise's close by which
   * a parcel due that day is out for delivery; absent in histories recorded before, and until the carrier has delivered enough.
   */
  outForDeliveryByHours?: number;
}

/** What the parcel needs to be (re-)booked: its parcels and where they leave from. */
export type Parcels = Pick<PackedShipment, 'parcels' | 'origin'>;

/** The deadlines tracking watches, carried over a continue-as-new. */
export interface TrackingWatch {
  /** Stall windows count from the last scan, or from here when there is none yet (label bought, re-shipped). */
  stallBaseMs: number;
  lateEscalated: boolean;
  brokenEscalatedFor?: string;
  /** Next poll of a carrier without webhooks (webhook carriers are polled only before a stall is declared). */
  nextPollMs?: number;
  /** When the first label was bought: the wait for collection counts from here (absent in histories recorded before). */
  labelledAtMs?: number;
  /** The scan the promise was last judged at (re-promise from a scan). */
  riskCheckedAtScanMs?: number;
  /** The promise (real ms) whose delivery round was last checked: a parcel not out for delivery by then is re-promised once. */
  roundCheckedForMs?: number;
}

/** Everything a tracking shipment needs to go on in a fresh run (continue-as-new). */
export interface ShipmentCarryOver {
  view: ShipmentView;
  tracking: TrackingState;
  label: LabelInHand;
  parcels: Parcels;
  shipTo: Address;
  dispatched: boolean;
  savingCents: number;
  saga: Compensation[];
  stageInProgress?: StageRecord;
  escalations: EscalationState;
  watch: TrackingWatch;
}

export type { EscalationView };

/** Scans heard but not yet written: they are written with the next status change, or at the end. */
export type PendingScans = { source: 'webhook' | 'poll'; events: NormalisedTrackingEvent[] }[];

/** What a v3 shipment does in the same write as its scans: consume the reservations at the hand-over, judge the promise (and learn its carrier's round). */
export type ScanWork = Pick<StoreScansRequest, 'consumeReservations' | 'judgePromise' | 'roundOf'>;

/**
 * What a watch of a shipment the order did not start itself (activities/shipment-watch.ts) does when that shipment is
 * terminated in Temporal: `retry` until ops reset it (the order already knows and shows it), or `report` it at once,
 * so the order notes the termination and shows itself escalated before it waits (workflows/order/terminated-shipment.ts).
 */
export type TerminatedAnswer = 'retry' | 'report';

/** The failure type a `report` watch ends with. */
export const SHIPMENT_TERMINATED = 'ShipmentTerminated';

/**
 * The failure type a watch asked to report a deleted shipment ends with (`temporal workflow delete -w shipment-…`: its
 * history gone, it cannot be reset); the order starts its journey again.
 */
export const SHIPMENT_DELETED = 'ShipmentDeleted';
