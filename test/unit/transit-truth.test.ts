import { describe, expect, it } from 'vitest';
import { REAL_TIME } from '../../domain/business-clock';
import { workingDaysBetween } from '../../domain/calendar';
import { localDay } from '../../domain/local-time';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { transitObservation } from '../../domain/transit-observation';
import { resolveScenario } from '../../scripts/carrier-simulator/scenarios';
import { CarrierSimulator } from '../../scripts/carrier-simulator/simulator';
import {
  quotedDeliveryAtMs,
  realizedDelayDays,
  realizedDeliveryAtMs,
  type TransitTruth,
} from '../../scripts/carrier-simulator/transit-truth';

// Monday 2 March 2026, 10:00 in Paris.
const MONDAY_MS = Date.parse('2026-03-02T09:00:00.000Z');
const truth: TransitTruth = { clock: REAL_TIME, delays: { ecoroute: [0.2, 0.5, 0.3] } };
const lane = { originCountry: 'FR', destinationCountry: 'FR', quotedDays: 2, handoverAtMs: MONDAY_MS };

describe('the simulated carriers’ true transit', () => {
  it('draws the same delay for a shipment, carrier and service whichever is asked first, and independently per carrier', () => {
    const a = realizedDelayDays(truth, { shipmentId: 'S-1', carrierCode: 'ecoroute', serviceCode: 'er_standard' });
    const b = realizedDelayDays(truth, { shipmentId: 'S-1', carrierCode: 'ecoroute', serviceCode: 'er_standard' });
    expect(a).toBe(b);
    expect(realizedDelayDays(truth, { shipmentId: 'S-1', carrierCode: 'swiftpost', serviceCode: 'sp_standard' })).toBe(0);
  });

  it('delays a slow carrier by its true distribution, within a couple of points over many parcels', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const delay = realizedDelayDays(truth, { shipmentId: `S-${i}`, carrierCode: 'ecoroute', serviceCode: 'er_standard' });
      counts[delay] = (counts[delay] ?? 0) + 1;
    }
    expect(counts.map((n) => n / 4000)).toEqual([expect.closeTo(0.2, 1), expect.closeTo(0.5, 1), expect.closeTo(0.3, 1)]);
  });

  it('delivers on the (quoted + delay)-th working day, skipping weekends, in the day at the destination', () => {
    const friday = { ...lane, handoverAtMs: Date.parse('2026-03-06T15:00:00.000Z') };
    for (let i = 0; i < 50; i++) {
      const transit = { ...friday, shipmentId: `S-${i}`, carrierCode: 'ecoroute', serviceCode: 'er_standard' };
      const delivered = realizedDeliveryAtMs(truth, transit);
      const days = workingDaysBetween({ countryCode: 'FR' }, '2026-03-06', localDay(delivered, 'Europe/Paris'));
      expect(days).toBe(2 + realizedDelayDays(truth, transit));
      const hour = new Date(delivered).getUTCHours() + 1;
      expect(hour).toBeGreaterThanOrEqual(9);
      expect(hour).toBeLessThan(18);
    }
  });

  it('quotes the end of the quoted working day however late the carrier really is', () => {
    expect(new Date(quotedDeliveryAtMs(truth, lane)).toISOString()).toBe('2026-03-04T17:00:00.000Z');
  });

  it('makes a carrier that quotes faster than it delivers show up late in the parcels the journey observes', async () => {
    const simulator = new CarrierSimulator({ clock: { now: () => MONDAY_MS }, truth, sleep: async () => undefined });
    let late = 0;
    for (let i = 0; i < 40; i++) {
      const request = {
        shipmentId: `S-${i}`,
        from: { warehouseCode: 'PAR1', postalCode: '75019', countryCode: 'FR' },
        to: { name: 'A B', line1: '1 rue', city: 'Lyon', postalCode: '69003', countryCode: 'FR' },
        parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1000 }],
        shipAt: new Date(MONDAY_MS).toISOString(),
      };
      const quotes = await simulator.carrier('ecoroute').quote(request);
      const service = quotes[0]?.serviceCode ?? '';
      const label = await simulator.carrier('ecoroute').buyLabel({ ...request, serviceCode: service, idempotencyKey: `k-${i}` });
      const sold = simulator.soldLabel(label.trackingNumber);
      const scans = (sold?.timeline ?? []).map((event) => {
        const read = normaliseCarrierEvent(event);
        return { status: read.ok ? read.event.status : 'unreadable', atMs: Date.parse(event.occurredAt) };
      });
      const deliveredAt = scans.find((scan) => scan.status === 'delivered')?.atMs ?? 0;
      const pickedUpAt = scans.find((scan) => scan.status === 'in_transit')?.atMs ?? 0;
      expect(scans.at(-1)?.status).toBe('delivered');
      expect(deliveredAt).toBe(
        realizedDeliveryAtMs(truth, {
          ...lane,
          shipmentId: `S-${i}`,
          carrierCode: 'ecoroute',
          serviceCode: service,
          quotedDays: quotes[0]?.deliveryDays ?? 0,
        }),
      );
      const observed = transitObservation(
        {
          carrierCode: 'ecoroute',
          serviceCode: service,
          origin: { countryCode: 'FR', timeZone: 'Europe/Paris' },
          destination: { countryCode: 'FR' },
          quotedDomesticDays: quotes[0]?.deliveryDays ?? 0,
          handedOverAtMs: pickedUpAt,
          deliveredAtMs: deliveredAt,
        },
        REAL_TIME,
      );
      if (observed.deliveryDays > observed.quotedDays) late += 1;
      if (deliveredAt > Date.parse(label.estimatedDeliveryAt)) expect(observed.deliveryDays).toBeGreaterThan(observed.quotedDays);
    }
    expect(late / 40).toBeGreaterThan(0.6);
  });
});

describe('scenario shares', () => {
  it('stalls the scripted share of labels, drawn per label so a re-shipped parcel draws again', () => {
    const script = { shares: { stall: 0.25 } };
    const drawn = Array.from({ length: 2000 }, (_, i) =>
      resolveScenario(script, { carrierCode: 'ecoroute', shipmentId: `S-${i}`, recipientName: 'A B', labelKey: `S-${i}:1` }),
    );
    expect(drawn.filter((s) => s === 'stall').length / 2000).toBeCloseTo(0.25, 1);
    expect(drawn.filter((s) => s !== 'stall').every((s) => s === 'normal')).toBe(true);
    const again = (key: string) =>
      resolveScenario(script, { carrierCode: 'ecoroute', shipmentId: 'S-1', recipientName: 'A B', labelKey: key });
    expect(again('S-1:1')).toBe(again('S-1:1'));
    const attempts = Array.from({ length: 40 }, (_, i) => again(`S-1:${i + 1}`));
    expect(new Set(attempts).size).toBe(2);
  });
});
