import type { CarrierCode, CarrierTrackingEvent, TrackingStatus } from './carrier';
import type { NormalisedTrackingEvent } from './tracking';

/**
 * Each carrier's own status vocabulary, mapped to the one status model. The three simulated carriers use
 * deliberately different styles so that normalisation is exercised for real:
 *   - swiftpost: EasyPost-style words ("IN_TRANSIT", "FAILURE"); EasyPost sends them lower-case, so matching
 *     ignores case for every carrier;
 *   - parcelnord: four-digit numeric codes, thousands = stage, hundreds = detail within the stage;
 *   - ecoroute: two-letter codes.
 * `CARRIER_STATUS_CODES` is the code each carrier *emits* per status (what the carrier simulator writes);
 * `EXTRA_CODES` are further codes a carrier may send that mean an existing status.
 */

export const CARRIER_STATUS_CODES = {
  swiftpost: {
    label_created: 'PRE_TRANSIT',
    in_transit: 'IN_TRANSIT',
    out_for_delivery: 'OUT_FOR_DELIVERY',
    delivered: 'DELIVERED',
    available_for_pickup: 'AVAILABLE_FOR_PICKUP',
    delivery_failed: 'FAILURE',
    exception: 'ERROR',
    returned_to_sender: 'RETURN_TO_SENDER',
    lost: 'LOST',
  },
  parcelnord: {
    label_created: '1000', // shipment data received
    in_transit: '2000', // hub scan
    out_for_delivery: '3000',
    delivered: '4000',
    available_for_pickup: '4500', // delivered to a pickup point, awaiting collection
    delivery_failed: '5000',
    exception: '6000',
    returned_to_sender: '7000',
    lost: '9000',
  },
  ecoroute: {
    label_created: 'LC',
    in_transit: 'IT',
    out_for_delivery: 'OD',
    delivered: 'DL',
    available_for_pickup: 'PU',
    delivery_failed: 'DF',
    exception: 'EX',
    returned_to_sender: 'RS',
    lost: 'LS',
  },
} as const satisfies Record<CarrierCode, Record<TrackingStatus, string>>;

export type SimulatedCarrierCode = keyof typeof CARRIER_STATUS_CODES;
export const SIMULATED_CARRIER_CODES = Object.keys(CARRIER_STATUS_CODES) as SimulatedCarrierCode[];

/** Codes a carrier may send beyond its primary one per status. */
export const EXTRA_CODES: Readonly<Partial<Record<SimulatedCarrierCode, Readonly<Record<string, TrackingStatus>>>>> = {
  parcelnord: { '2100': 'in_transit' }, // arrived at the delivery depot
};

/**
 * ShipEngine's own status codes, the same whichever carrier it reaches (`status_code` of its tracking
 * answers and track webhooks). It has no code for a lost parcel or a return to sender: those come as
 * `EX` (exception), which opens an escalation where ops read the carrier's description. `UN` (no
 * information) is deliberately absent: it says nothing about the parcel, so it is reported, not mapped.
 */
export const SHIPENGINE_STATUS_CODES: Readonly<Record<string, TrackingStatus>> = {
  NY: 'label_created', // not yet in the carrier's system
  AC: 'in_transit', // accepted by the carrier: the parcel has left us
  IT: 'in_transit',
  AT: 'delivery_failed', // delivery attempted
  SP: 'available_for_pickup', // delivered to a collection location
  DE: 'delivered',
  EX: 'exception',
};

const SHIPENGINE_DECODE: ReadonlyMap<string, TrackingStatus> = new Map(Object.entries(SHIPENGINE_STATUS_CODES));

export type NormaliseFailure =
  | { reason: 'unknown_carrier'; carrierCode: string }
  | { reason: 'unknown_status_code'; carrierCode: string; statusCode: string };

export type NormaliseResult = { ok: true; event: NormalisedTrackingEvent } | ({ ok: false } & NormaliseFailure);

const DECODE: ReadonlyMap<string, ReadonlyMap<string, TrackingStatus>> = new Map(
  SIMULATED_CARRIER_CODES.map((carrierCode) => {
    const decode = new Map<string, TrackingStatus>();
    for (const [status, code] of Object.entries(CARRIER_STATUS_CODES[carrierCode])) {
      decode.set(code.toUpperCase(), status as TrackingStatus);
    }
    for (const [code, status] of Object.entries(EXTRA_CODES[carrierCode] ?? {})) decode.set(code.toUpperCase(), status);
    return [carrierCode, decode];
  }),
);

/** The raw code a carrier uses for a status; undefined for a carrier without a known vocabulary. */
export function carrierStatusCode(carrierCode: string, status: TrackingStatus): string | undefined {
  return isSimulatedCarrier(carrierCode) ? CARRIER_STATUS_CODES[carrierCode][status] : undefined;
}

export function isSimulatedCarrier(carrierCode: string): carrierCode is SimulatedCarrierCode {
  return Object.hasOwn(CARRIER_STATUS_CODES, carrierCode);
}

/**
 * An unknown code is a typed failure, not a guess: mapping it to "exception" would open escalations for a
 * vocabulary gap, and mapping it to nothing would hide it. The caller stores and reports it.
 */
export function normaliseCarrierEvent(event: CarrierTrackingEvent): NormaliseResult {
  const decode = event.vocabulary === 'shipengine' ? SHIPENGINE_DECODE : DECODE.get(event.carrierCode);
  if (!decode) return { ok: false, reason: 'unknown_carrier', carrierCode: event.carrierCode };
  const status = decode.get(event.statusCode.trim().toUpperCase());
  if (!status) {
    return { ok: false, reason: 'unknown_status_code', carrierCode: event.carrierCode, statusCode: event.statusCode };
  }
  return {
    ok: true,
    event: {
      carrierCode: event.carrierCode,
      eventId: event.eventId,
      trackingNumber: event.trackingNumber,
      status,
      carrierStatusCode: event.statusCode,
      ...(event.detail !== undefined ? { detail: event.detail } : {}),
      ...(event.location !== undefined ? { location: event.location } : {}),
      occurredAt: event.occurredAt,
    },
  };
}
