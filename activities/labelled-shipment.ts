import type { Parcel } from '../domain/carrier';
import { ANSWERED_IN_THE_DATABASE, isFinalShipmentStage, shipmentStageOf, type ShipmentStage } from '../domain/lifecycle';
import type { Address } from '../domain/order';
import { applyTrackingEvents, initialTrackingState, type NormalisedTrackingEvent, type TrackingState } from '../domain/tracking';
import { type AlreadyEnded, alreadyEnded } from './ended-shipment';
import type { Tx } from './inventory';
import { toParcel } from './parcels';
import type { StageRecord } from './stage-timing';

/**
 * A shipment whose label was bought and is still in force, its journey not over: what a run needs to go on tracking it
 * as the run that bought the label would have (workflows/shipment/resume.ts). Only a run reset to before the journey's
 * first step (`temporal workflow reset --type FirstWorkflowTask`, the Web UI's Reset) starts on such a shipment: before,
 * it replayed the journey against the database, writing the row's status back through picking … booking, recording
 * those stage visits a second time, packing and quoting again and buying the label again (the same one, by its key).
 */
export interface LabelledShipment {
  /** The row's status: `label_created` or a later one that is not final. */
  stage: ShipmentStage;
  label: {
    labelId: string;
    attempt: number;
    carrierCode: string;
    serviceCode: string;
    trackingNumber: string;
    /** What the shipment counts for it, in the order's currency (as the purchase answered). */
    amountCents: number;
    purchasedAt: string;
  };
  estimatedDeliveryAt?: string;
  /** The promise in force (a re-promise moved it). */
  promisedBy: string;
  promiseMiss: boolean;
  packagingCostCents: number;
  shippingCostCents: number;
  savingCents: number;
  parcels: { parcels: Parcel[]; origin: { warehouseCode: string; postalCode: string; countryCode: string } };
  /** Where the label sends the parcel: the order's address in force. */
  shipTo: Address;
  /** The label's scans, folded as the workflow folds them (domain/tracking.ts). */
  tracking: TrackingState;
  /** The stage visit in progress (the row's status), as written: later stages end it under its own key. */
  stageInProgress?: StageRecord;
}

/** The answer of a journey's first step for a shipment labelled before this run (`labelledShipment`). */
export interface AlreadyLabelled {
  alreadyLabelled: LabelledShipment;
}

/** What a first step answers instead of doing its work: the shipment ended, or (when the run can resume) labelled. */
export async function alreadyDone(db: Tx, shipmentId: string, resumeAtLabel = false): Promise<AlreadyEnded | AlreadyLabelled | undefined> {
  const ended = await alreadyEnded(db, shipmentId);
  if (ended || !resumeAtLabel) return ended;
  const labelled = await labelledShipment(db, shipmentId);
  return labelled ? { alreadyLabelled: labelled } : undefined;
}

const shipmentRow = (db: Tx, shipmentId: string) =>
  db.shipment.findUnique({
    where: { id: shipmentId },
    include: {
      labels: { orderBy: { attempt: 'desc' }, take: 1 },
      packages: { orderBy: { seq: 'asc' } },
      warehouse: { select: { code: true, postalCode: true, countryCode: true } },
      order: { select: { shippingAddress: true } },
    },
  });
type ShipmentRow = NonNullable<Awaited<ReturnType<typeof shipmentRow>>>;

/** Statuses a labelled shipment can be resumed in: from its label until a final status. */
const BEFORE_LABEL: readonly ShipmentStage[] = ['planned', 'waiting_for_pick_slot', 'picking', 'packing', 'rating', 'booking'];

/**
 * The shipment as its label left it, or undefined when a run has to run the journey: no label yet, its last label
 * voided, nothing packed, its status final. Also undefined — the run then replays the journey as before — when what the
 * run would have held cannot be read back faithfully: any escalation of the shipment's own workflow (its count and
 * answers live only in the run that opened it), or scans that do not fold to the row's status.
 */
export async function labelledShipment(db: Tx, shipmentId: string): Promise<LabelledShipment | undefined> {
  const row = await shipmentRow(db, shipmentId);
  const label = row?.labels[0];
  if (!row || !label || BEFORE_LABEL.includes(row.status) || isFinalShipmentStage(row.status)) return undefined;
  if (label.status !== 'purchased' || label.trackingNumber !== row.trackingNumber || row.packages.length === 0) return undefined;
  const escalations = await db.escalation.count({
    where: { shipmentId, returnId: null, reason: { notIn: [...ANSWERED_IN_THE_DATABASE] } },
  });
  if (escalations > 0) return undefined;
  const tracking = await scansOf(db, shipmentId, label.trackingNumber);
  if (shipmentStageOf(tracking.status) !== row.status) return undefined;
  const visit = await db.stageTiming.findFirst({
    where: { shipmentId, stage: row.status, endedAt: null },
    orderBy: { startedAt: 'desc' },
  });
  return {
    stage: row.status,
    label: {
      labelId: label.id,
      attempt: label.attempt,
      carrierCode: label.carrierCode,
      serviceCode: label.serviceCode,
      trackingNumber: label.trackingNumber,
      amountCents: label.costCents ?? label.amountCents,
      purchasedAt: label.purchasedAt.toISOString(),
    },
    ...(row.estimatedDeliveryAt ? { estimatedDeliveryAt: row.estimatedDeliveryAt.toISOString() } : {}),
    promisedBy: row.promisedBy.toISOString(),
    promiseMiss: row.promiseMiss,
    packagingCostCents: row.packagingCostCents,
    shippingCostCents: row.shippingCostCents,
    savingCents: row.fastestCostCents === null ? 0 : Math.max(0, row.fastestCostCents - row.shippingCostCents),
    parcels: {
      parcels: row.packages.map(toParcel),
      origin: { warehouseCode: row.warehouse.code, postalCode: row.warehouse.postalCode, countryCode: row.warehouse.countryCode },
    },
    shipTo: addressOf(row.order.shippingAddress),
    tracking,
    ...(visit ? { stageInProgress: stageRecord(row, visit) } : {}),
  };
}

/** The label's stored scans, folded from the start as the workflow folds them as they come. */
async function scansOf(db: Tx, shipmentId: string, trackingNumber: string): Promise<TrackingState> {
  const rows = await db.trackingEvent.findMany({ where: { shipmentId, trackingNumber }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] });
  const events = rows.map(
    (e): NormalisedTrackingEvent => ({
      carrierCode: e.carrierCode,
      eventId: e.carrierEventId,
      trackingNumber: e.trackingNumber,
      status: e.status,
      carrierStatusCode: e.carrierStatusCode,
      ...(e.detail === null ? {} : { detail: e.detail }),
      ...(e.location === null ? {} : { location: e.location }),
      occurredAt: e.occurredAt.toISOString(),
    }),
  );
  return applyTrackingEvents(initialTrackingState(), events).state;
}

function stageRecord(row: ShipmentRow, visit: { stage: string; startedAt: Date }): StageRecord {
  return { orderId: row.orderId, shipmentId: row.id, stage: visit.stage, startedAt: visit.startedAt.toISOString() };
}

function addressOf(a: ShipmentRow['order']['shippingAddress']): Address {
  return {
    name: a.name,
    line1: a.line1,
    ...(a.line2 === null ? {} : { line2: a.line2 }),
    city: a.city,
    ...(a.region === null ? {} : { region: a.region }),
    postalCode: a.postalCode,
    countryCode: a.countryCode,
    ...(a.phone === null ? {} : { phone: a.phone }),
  };
}
