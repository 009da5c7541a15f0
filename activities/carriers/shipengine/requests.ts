import { createHash } from 'node:crypto';
import type { Address } from '../../../domain/order';
import type { CarrierCode, CarrierTrackingEvent, Parcel, PurchasedLabel, RateQuote, RateRequest } from '../../../domain/carrier';
import { DAY_MS } from '../../../domain/clock';
import { minorDigits } from '../../../domain/money';
import type { ServiceLevel } from '../../../domain/order';
import { CarrierApiError, CarrierRejected } from '../errors';
import type { Label, Money, Rate, TrackingAnswer } from './schemas';
import { shipEngineInstantMs } from './timestamps';

/** Pure translations between Colis's carrier port and ShipEngine's v1 bodies, both ways. */

export interface ShipEngineAccount {
  carrierCode: CarrierCode;
  /** The ShipEngine carrier id (`se-…`) this Colis carrier code books on. */
  carrierId: string;
}

/** ShipEngine truncates `external_shipment_id` at 50 characters; a longer key is hashed rather than cut (two keys must not collide). */
export function externalShipmentId(idempotencyKey: string): string {
  if (idempotencyKey.length <= 50 && /^[A-Za-z0-9:._-]+$/.test(idempotencyKey)) return idempotencyKey;
  return `colis-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/**
 * The recipient. ShipEngine's definition requires a phone and a state/province for every address;
 * Colis keeps both optional, so a recipient without them cannot be sent to ShipEngine and is
 * refused here, by name, instead of being padded with invented data.
 */
export function recipient(carrierCode: CarrierCode, to: Address) {
  const missing = [!to.phone ? 'phone' : undefined, !to.region ? 'region' : undefined].filter(Boolean);
  if (missing.length > 0) {
    throw new CarrierRejected(carrierCode, 'invalid_address', `ShipEngine needs the recipient's ${missing.join(' and ')}`);
  }
  return {
    name: to.name,
    phone: to.phone,
    address_line1: to.line1,
    ...(to.line2 ? { address_line2: to.line2 } : {}),
    city_locality: to.city,
    state_province: to.region,
    postal_code: to.postalCode,
    country_code: to.countryCode,
    address_residential_indicator: 'unknown',
  };
}

/** An address for validation: name and phone are not needed to say whether a place exists. */
export function addressToValidate(address: Address) {
  return {
    address_line1: address.line1,
    ...(address.line2 ? { address_line2: address.line2 } : {}),
    city_locality: address.city,
    // Required by the definition; without a region the city stands in, and the matched address brings the real one.
    state_province: address.region || address.city,
    postal_code: address.postalCode,
    country_code: address.countryCode,
  };
}

export function packages(parcels: readonly Parcel[]) {
  return parcels.map((parcel) => ({
    weight: { value: parcel.weightGrams, unit: 'gram' },
    dimensions: {
      unit: 'centimeter',
      length: parcel.lengthMm / 10,
      width: parcel.widthMm / 10,
      height: parcel.heightMm / 10,
    },
  }));
}

/** ShipEngine ignores the time of day in a ship date. */
const shipDate = (iso: string) => `${iso.slice(0, 10)}T00:00:00.000Z`;

export interface ShipFrom {
  warehouseId: string;
  address: Readonly<Record<string, unknown>>;
}

export function shipment(
  account: ShipEngineAccount,
  from: ShipFrom,
  request: RateRequest,
  options: { serviceCode?: string; externalShipmentId?: string } = {},
) {
  return {
    carrier_id: account.carrierId,
    ...(options.serviceCode ? { service_code: options.serviceCode } : {}),
    ...(options.externalShipmentId ? { external_shipment_id: options.externalShipmentId } : {}),
    ship_date: shipDate(request.shipAt),
    warehouse_id: from.warehouseId,
    ship_from: from.address,
    ship_to: recipient(account.carrierCode, request.to),
    packages: packages(request.parcels),
  };
}

/** Minor units per the currency (JPY has none, most have two), from the runtime's ISO 4217 data. */
export function toMinorUnits(money: Money): { amountCents: number; currency: string } {
  const currency = money.currency.toUpperCase();
  return { amountCents: Math.round(money.amount * 10 ** minorDigits(currency)), currency };
}

/**
 * What a rate or a label costs, in minor units of the currency it is charged in. ShipEngine sends every amount
 * with its own currency, and an amount of nothing may name another (insurance `usd 0` beside a charge in `eur`):
 * nothing in any currency adds nothing, so only amounts above zero must agree. Undefined when there is no amount
 * or several currencies are charged: no total Colis can honestly state.
 */
function total(amounts: readonly (Money | null | undefined)[]): { amountCents: number; currency: string } | undefined {
  const present = amounts.filter((m): m is Money => m != null).map(toMinorUnits);
  const charged = present.filter((m) => m.amountCents > 0);
  const currency = (charged[0] ?? present[0])?.currency;
  if (currency === undefined || charged.some((m) => m.currency !== currency)) return undefined;
  return { amountCents: charged.reduce((sum, m) => sum + m.amountCents, 0), currency };
}

/** Colis's three service levels from the carrier's transit time: next day is express, up to three days standard. */
export function serviceLevelOf(deliveryDays: number): ServiceLevel {
  return deliveryDays <= 1 ? 'express' : deliveryDays <= 3 ? 'standard' : 'economy';
}

/**
 * A rate Colis can choose: valid, priced in one currency, and with a delivery estimate (a promise cannot be
 * checked against a rate that does not say when it arrives). Others are dropped, not guessed at. An estimated date
 * before the ship date is a carrier's stale estimate: the transit days count instead.
 */
export function toQuote(account: ShipEngineAccount, request: RateRequest, rate: Rate): RateQuote | undefined {
  if (rate.validation_status === 'invalid' || !rate.service_code) return undefined;
  const shipAtMs = Date.parse(shipDate(request.shipAt));
  const answeredMs = shipEngineInstantMs(rate.estimated_delivery_date) ?? Number.NaN;
  const estimatedMs = answeredMs >= shipAtMs ? answeredMs : Number.NaN;
  const days =
    rate.delivery_days && rate.delivery_days > 0
      ? rate.delivery_days
      : Number.isFinite(estimatedMs)
        ? Math.max(1, Math.ceil((estimatedMs - shipAtMs) / DAY_MS))
        : undefined;
  const money = total([rate.shipping_amount, rate.insurance_amount, rate.confirmation_amount, rate.other_amount]);
  if (days === undefined || money === undefined) return undefined;
  return {
    carrierCode: account.carrierCode,
    serviceCode: rate.service_code,
    serviceLevel: serviceLevelOf(days),
    ...money,
    deliveryDays: days,
    estimatedDeliveryAt: new Date(Number.isFinite(estimatedMs) ? estimatedMs : shipAtMs + days * DAY_MS).toISOString(),
    guaranteed: rate.guaranteed_service ?? false,
  };
}

/**
 * Why Colis cannot use a label ShipEngine sold, or undefined when it can: without a tracking number the parcel
 * cannot be followed, and a charge in several currencies has no cost to record. Asking again returns the same label.
 */
export function unusableLabel(label: Label): string | undefined {
  if (!label.tracking_number?.trim()) return 'has no tracking number';
  if (!total([label.shipment_cost, label.insurance_cost])) return 'is charged in several currencies';
  return undefined;
}

export function toPurchasedLabel(
  account: ShipEngineAccount,
  label: Label,
  estimate: { estimatedDeliveryAt: string },
  now: () => number,
): PurchasedLabel {
  if (!label.tracking_number)
    throw new CarrierApiError(account.carrierCode, 200, `ShipEngine label ${label.label_id} has no tracking number`);
  const money = total([label.shipment_cost, label.insurance_cost]);
  if (!money) throw new CarrierApiError(account.carrierCode, 200, `ShipEngine label ${label.label_id} is charged in several currencies`);
  const created = shipEngineInstantMs(label.created_at);
  return {
    carrierCode: account.carrierCode,
    serviceCode: label.service_code ?? '',
    carrierLabelId: label.label_id,
    trackingNumber: label.tracking_number,
    ...money,
    labelUrl: label.label_download?.href ?? label.label_download?.pdf ?? '',
    estimatedDeliveryAt: estimate.estimatedDeliveryAt,
    purchasedAt: new Date(created ?? now()).toISOString(),
  };
}

/**
 * ShipEngine gives one status for the parcel (not one per scan) and the carrier's scans with their
 * own codes. Colis gets one event per latest scan, carrying the parcel's status at that scan: the
 * event id joins the tracking number, the status and the scan's time, so a poll that learns nothing
 * new repeats an id (deduplicated) and every new scan or status is a new event.
 */
export function toTrackingEvents(carrierCode: CarrierCode, answer: TrackingAnswer): CarrierTrackingEvent[] {
  const scans = (answer.events ?? [])
    .flatMap((scan) => {
      const atMs = shipEngineInstantMs(scan.occurred_at);
      return atMs === undefined ? [] : [{ scan, atMs }];
    })
    .sort((a, b) => a.atMs - b.atMs);
  const latest = scans.at(-1);
  const statusCode = answer.status_code.trim().toUpperCase();
  const deliveredMs = statusCode === 'DE' ? shipEngineInstantMs(answer.actual_delivery_date) : undefined;
  const occurredMs = deliveredMs ?? latest?.atMs;
  if (occurredMs === undefined) return [];
  const place = [latest?.scan.city_locality, latest?.scan.country_code].filter((part) => part && part.trim() !== '').join(', ');
  const detail = latest?.scan.description ?? answer.status_description ?? undefined;
  const at = new Date(occurredMs).toISOString();
  return [
    {
      carrierCode,
      vocabulary: 'shipengine',
      eventId: `${answer.tracking_number}:${statusCode}:${at}`.slice(0, 128),
      trackingNumber: answer.tracking_number,
      statusCode,
      ...(detail ? { detail: detail.slice(0, 500) } : {}),
      ...(place ? { location: place.slice(0, 200) } : {}),
      occurredAt: at,
    },
  ];
}
