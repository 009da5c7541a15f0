import type { Db } from '../../activities/db';
import type { CarrierCode } from '../../domain/carrier';
import type { OrderView, TimelineEntry } from '../../domain/journey';
import type { TrackingStatus } from '../../domain/lifecycle';
import { statusOfScans } from '../../domain/tracking';

/**
 * Every scan Colis stored, as timeline entries: the ones the shipment's workflow folded into its
 * status (whether or not they moved it: a late scan, one after delivery) and the ones whose status
 * code no mapping reads yet. The database keeps every scan while a workflow's view keeps a bounded
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
  const [understood, unmapped] = await Promise.all([
    db.trackingEvent.findMany({ where, select: { ...select, status: true } }),
    db.unmappedTrackingEvent.findMany({ where, select: { ...select, carrierStatusCode: true } }),
  ]);
  const scans = new Map<string, TimelineEntry[]>();
  const add = (shipmentId: string, entry: TimelineEntry) => scans.set(shipmentId, [...(scans.get(shipmentId) ?? []), entry]);
  for (const row of understood) add(row.shipmentId, scanEntry(row));
  for (const row of unmapped) if (row.shipmentId !== null) add(row.shipmentId, scanEntry(row, true));
  return {
    ...view,
    shipments: view.shipments.map((shipment) => ({
      ...shipment,
      timeline: [...shipment.timeline.filter((entry) => entry.kind !== 'tracking'), ...(scans.get(shipment.shipmentId) ?? [])].sort(byTime),
    })),
  };
}
