import { describe, expect, it } from 'vitest';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { TRACKING_STATUSES } from '../../domain/lifecycle';
import {
  CARRIER_STATUS_CODES,
  SHIPENGINE_STATUS_CODES,
  SIMULATED_CARRIER_CODES,
  carrierStatusCode,
  normaliseCarrierEvent,
} from '../../domain/tracking-codes';

function raw(carrierCode: string, statusCode: string): CarrierTrackingEvent {
  return {
    carrierCode,
    eventId: `${carrierCode}-${statusCode}`,
    trackingNumber: 'TN1',
    statusCode,
    detail: 'Scanned at hub',
    location: 'Lyon, FR',
    occurredAt: '2025-03-03T10:00:00+01:00',
  };
}

describe('normaliseCarrierEvent', () => {
  it('every code a simulated carrier emits normalises back to its status', () => {
    for (const carrierCode of SIMULATED_CARRIER_CODES) {
      for (const status of TRACKING_STATUSES) {
        const code = CARRIER_STATUS_CODES[carrierCode][status];
        const result = normaliseCarrierEvent(raw(carrierCode, code));
        expect(result.ok && result.event.status, `${carrierCode} ${code}`).toBe(status);
      }
    }
  });

  it('the three carriers speak different vocabularies', () => {
    expect(normaliseCarrierEvent(raw('swiftpost', 'FAILURE'))).toMatchObject({ ok: true, event: { status: 'delivery_failed' } });
    expect(normaliseCarrierEvent(raw('parcelnord', '4500'))).toMatchObject({ ok: true, event: { status: 'available_for_pickup' } });
    expect(normaliseCarrierEvent(raw('ecoroute', 'RS'))).toMatchObject({ ok: true, event: { status: 'returned_to_sender' } });
    const codesPerStatus = TRACKING_STATUSES.map((s) => new Set(SIMULATED_CARRIER_CODES.map((c) => carrierStatusCode(c, s))).size);
    expect(codesPerStatus.every((distinct) => distinct === 3)).toBe(true);
  });

  it('accepts lower-case EasyPost-style codes and ParcelNord detail codes', () => {
    expect(normaliseCarrierEvent(raw('swiftpost', 'in_transit'))).toMatchObject({ ok: true, event: { status: 'in_transit' } });
    expect(normaliseCarrierEvent(raw('parcelnord', '2100'))).toMatchObject({ ok: true, event: { status: 'in_transit' } });
  });

  it('keeps the carrier code, detail, location and time of the scan', () => {
    const result = normaliseCarrierEvent(raw('ecoroute', 'OD'));
    expect(result).toEqual({
      ok: true,
      event: {
        carrierCode: 'ecoroute',
        eventId: 'ecoroute-OD',
        trackingNumber: 'TN1',
        status: 'out_for_delivery',
        carrierStatusCode: 'OD',
        detail: 'Scanned at hub',
        location: 'Lyon, FR',
        occurredAt: '2025-03-03T10:00:00+01:00',
      },
    });
  });

  it('an unknown code is a typed failure, not a guess', () => {
    expect(normaliseCarrierEvent(raw('swiftpost', 'TELEPORTED'))).toEqual({
      ok: false,
      reason: 'unknown_status_code',
      carrierCode: 'swiftpost',
      statusCode: 'TELEPORTED',
    });
    // Another carrier's code is unknown too.
    expect(normaliseCarrierEvent(raw('ecoroute', '4000'))).toMatchObject({ ok: false, reason: 'unknown_status_code' });
  });

  it('an unknown carrier is a typed failure', () => {
    expect(normaliseCarrierEvent(raw('pigeonpost', 'IT'))).toEqual({ ok: false, reason: 'unknown_carrier', carrierCode: 'pigeonpost' });
    expect(carrierStatusCode('pigeonpost', 'delivered')).toBeUndefined();
  });
});

describe('ShipEngine status codes', () => {
  const viaShipEngine = (carrierCode: string, statusCode: string): CarrierTrackingEvent => ({
    ...raw(carrierCode, statusCode),
    vocabulary: 'shipengine',
  });

  it('map onto the status model whichever Colis carrier code the parcel travels under', () => {
    const expected = {
      NY: 'label_created',
      AC: 'in_transit',
      IT: 'in_transit',
      AT: 'delivery_failed',
      SP: 'available_for_pickup',
      DE: 'delivered',
      EX: 'exception',
    };
    for (const carrierCode of ['swiftpost', 'ups']) {
      for (const [code, status] of Object.entries(expected)) {
        expect(normaliseCarrierEvent(viaShipEngine(carrierCode, code))).toMatchObject({
          ok: true,
          event: { status, carrierStatusCode: code },
        });
      }
    }
    expect(Object.keys(SHIPENGINE_STATUS_CODES).sort()).toEqual(Object.keys(expected).sort());
  });

  it('"UN" (no information) and unknown codes are reported, not guessed; a carrier\'s own vocabulary is not ShipEngine\'s', () => {
    expect(normaliseCarrierEvent(viaShipEngine('ups', 'UN'))).toMatchObject({ ok: false, reason: 'unknown_status_code' });
    expect(normaliseCarrierEvent(viaShipEngine('swiftpost', 'DELIVERED'))).toMatchObject({ ok: false, reason: 'unknown_status_code' });
    expect(normaliseCarrierEvent(raw('swiftpost', 'DE'))).toMatchObject({ ok: false, reason: 'unknown_status_code' });
  });
});
