import type { Db } from '../../activities/db';
import type { CarrierCode } from '../../domain/carrier';
import type { OrderView, TimelineEntry } from '../../domain/journey';
import type { TrackingStatus } from '../../domain/lifecycle';
import { statusOfScans } from '../../domain/tracking';

/**
 * Every scan Colis stored, as timeline entries: the ones the shipment's workflow folded into its
 * status (whether or not they moved it: a late scan, one after delivery), the ones whose status
 * code no mapping reads yet, and those that came after the shipment's workflow had ended (scans-after-end.ts). The database keeps every scan while a workflow's view keeps a bounded
 * window and only what it understood, so the timeline's scans always come from here.
 */

const UNMAPPED_PREFIX = 'carrier status ';
const UNMAPPED_SUFFIX = ' (not understood yet)';

export const unmappedScanLabel = (carrierStatusCode: string) => `${UNMAPPED_PREFIX}${carrierStatusCode}${UNMAPPED_SUFFIX}`;
export const isUnmappedScanLabel = (label: string) => label.startsWith(UNMAPPED_PREFIX) && label.endsWith(UNMAPPED_SUFFIX);

interface ScanRow {
  occurredAt: Date;
  detail: string | null;
  location: string | null;
}

export function scanEntry(row: ScanRow & { status: string }): TimelineEntry;
export function scanEntry(row: ScanRow & { carrierStatusCode: string }, unmapped: true): TimelineEntry;
export function scanEntry(row: ScanRow & { status?: string; carrierStatusCode?: string }, unmapped = false): TimelineEntry {
  return {
    at: row.occurredAt.toISOString(),
    kind: 'tracking',
    label: unmapped ? unmappedScanLabel(row.carrierStatusCode ?? '?') : (row.status ?? '').replace(/_/g, ' '),
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.location !== null ? { location: row.location } : {}),
  };
}

/** How a given-up parcel's delivery after its end reads in the timeline (the tracking page says it in the order's language). */
export const DELIVERED_AFTER_ALL_LABEL = 'delivered after all';

/** Ended stages after which a delivery is news: the customer was settled without the parcel (sent again, refunded). */
const GIVEN_UP_STAGES: readonly string[] = ['lost', 'refunded'];

interface AfterEndRow extends ScanRow {
  status: TrackingStatus;
  /** How its shipment had ended (null on a return parcel's row, which is no shipment's). */
  shipmentStatus: string | null;
}

const deliversAfterAll = (row: AfterEndRow) =>
  row.status === 'delivered' && row.shipmentStatus !== null && GIVEN_UP_STAGES.includes(row.shipmentStatus);

/** A scan stored after its shipment's end (scans-after-end.ts), as a timeline entry: a given-up parcel's delivery says so. */
export function afterEndEntry(row: AfterEndRow): TimelineEntry {
  const entry = scanEntry(row);
  return deliversAfterAll(row) ? { ...entry, label: DELIVERED_AFTER_ALL_LABEL } : entry;
}

/** When the carrier delivered a given-up parcel after its end (the first such scan), if it did. */
export function deliveredAfterAllAt(rows: readonly AfterEndRow[]): string | undefined {
  const times = rows.filter(deliversAfterAll).map((row) => row.occurredAt.toISOString());
  return times.length > 0 ? times.sort()[0] : undefined;
}

/** The shipment's view with a delivery after its end: it reads delivered, and says when. */
export function withDeliveryAfterAll<S extends { trackingStatus?: TrackingStatus | undefined }>(
  shipment: S,
  rows: readonly AfterEndRow[],
): S & { deliveredAfterAll?: string } {
  const at = deliveredAfterAllAt(rows);
  return at === undefined ? shipment : { ...shipment, trackingStatus: 'delivered', deliveredAfterAll: at };
}

/** A stored scan as the tracking model reads it. */
interface StoredScan {
  carrierCode: string;
  carrierEventId: string;
  trackingNumber: string;
  carrierStatusCode?: string;
  status: TrackingStatus;
  occurredAt: Date;
}

/**
 * The status a parcel's stored scans give it, folded as its journey folds them (domain/tracking.ts), counting only the
 * scans of `trackingNumber` when given (a re-booked shipment's voided label is history): not the newest scan, which a
 * carrier may send after the delivery.
 */
export function statusOfStoredScans(rows: readonly StoredScan[], trackingNumber?: string): TrackingStatus | undefined {
  return statusOfScans(
    rows
      .filter((row) => trackingNumber === undefined || row.trackingNumber === trackingNumber)
      .map((row) => ({
        carrierCode: row.carrierCode as CarrierCode,
        eventId: row.carrierEventId,
        trackingNumber: row.trackingNumber,
        status: row.status,
        carrierStatusCode: row.carrierStatusCode ?? '',
        occurredAt: row.occurredAt.toISOString(),
      })),
  );
}

const byTime = (a: TimelineEntry, b: TimelineEntry) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);

/** The view with each shipment's scans replaced by the stored ones. */
export async function withStoredScans(db: Db, view: OrderView): Promise<OrderView> {
  const shipmentIds = view.shipments.map((shipment) => shipment.shipmentId);
  if (shipmentIds.length === 0) return view;
  const where = { shipmentId: { in: shipmentIds } };
  const select = { shipmentId: true, occurredAt: true, detail: true, location: true } as const;
  const [understood, unmapped, afterEnd] = await Promise.all([
    db.trackingEvent.findMany({ where, select: { ...select, status: true } }),
    db.unmappedTrackingEvent.findMany({ where, select: { ...select, carrierStatusCode: true } }),
    db.trackingEventAfterEnd.findMany({ where, select: { ...select, status: true, shipmentStatus: true } }),
  ]);
  const scans = new Map<string, TimelineEntry[]>();
  const add = (shipmentId: string, entry: TimelineEntry) => scans.set(shipmentId, [...(scans.get(shipmentId) ?? []), entry]);
  for (const row of understood) add(row.shipmentId, scanEntry(row));
  for (const row of unmapped) if (row.shipmentId !== null) add(row.shipmentId, scanEntry(row, true));
  for (const row of afterEnd) if (row.shipmentId !== null) add(row.shipmentId, afterEndEntry(row));
  return {
    ...view,
    shipments: view.shipments.map((shipment) =>
      withDeliveryAfterAll(
        {
          ...shipment,
          timeline: [...shipment.timeline.filter((entry) => entry.kind !== 'tracking'), ...(scans.get(shipment.shipmentId) ?? [])].sort(
            byTime,
          ),
        },
        afterEnd.filter((row) => row.shipmentId === shipment.shipmentId),
      ),
    ),
  };
}
