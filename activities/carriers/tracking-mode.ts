import type { CarrierTrackingMode } from '../../domain/carrier';
import type { Db } from '../db';
import type { CarrierRegistry } from './registry';

/**
 * How a parcel of a carrier is tracked: whether the carrier pushes scans and, for a backend that asks
 * to be polled anyway (ShipEngine, `COLIS_SHIPENGINE_POLL_FRACTION`), at which fraction of the stall
 * window. The backend knows better than the carrier's catalogue row; the row answers for a carrier
 * this process does not talk to any more. One answer for outbound parcels and return parcels alike.
 */
export function parcelTracking(carriers: CarrierRegistry, carrierCode: string, catalogueSaysWebhooks: boolean): CarrierTrackingMode {
  const mode = carriers.codes().includes(carrierCode) ? carriers.get(carrierCode).tracking : undefined;
  return {
    pushesScans: mode?.pushesScans ?? catalogueSaysWebhooks,
    ...(mode?.pollStallFraction === undefined ? {} : { pollStallFraction: mode.pollStallFraction }),
  };
}

/** The same, reading the catalogue row. */
export async function parcelTrackingOf(db: Db, carriers: CarrierRegistry, carrierCode: string): Promise<CarrierTrackingMode> {
  const row = await db.carrier.findUnique({ where: { code: carrierCode }, select: { supportsWebhooks: true } });
  return parcelTracking(carriers, carrierCode, row?.supportsWebhooks ?? false);
}
