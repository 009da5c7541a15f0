import { describe, expect, it } from 'vitest';
import { computePromise } from '../../domain/promise-engine';
import type { TransitCount } from '../../domain/transit';
import { HAMBURG, network, situation, stock, WAREHOUSES, warehouse } from './network-fixture';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('the promise engine: cut-offs, days and time zones', () => {
  it('an express order before the warehouse cut-off ships today and is promised for tomorrow evening', () => {
    // Wednesday 13:00 in Paris, PAR1's cut-off is 15:00.
    const promise = computePromise(situation({ nowMs: at('2026-03-04T12:00:00Z'), serviceLevel: 'express' }), network());
    expect(iso(promise.deliverByMs)).toBe('2026-03-05T17:00:00.000Z');
    expect(iso(promise.shipByMs)).toBe('2026-03-04T16:00:00.000Z');
    expect(promise.choice?.shipments.map((s) => [s.option.warehouseCode, s.service.serviceCode])).toEqual([['PAR1', 'sp_express']]);
    expect(promise.confidence).toBeGreaterThanOrEqual(0.95);
    expect(promise.confidence).toBeLessThanOrEqual(1);
  });

  it('after the cut-off the order is picked the next working day, so the promise moves by a day', () => {
    const promise = computePromise(situation({ nowMs: at('2026-03-04T15:00:00Z'), serviceLevel: 'express' }), network());
    expect(iso(promise.deliverByMs)).toBe('2026-03-06T17:00:00.000Z');
  });

  it('a Friday evening order is picked on Monday and delivered on Tuesday, not over the weekend', () => {
    const promise = computePromise(situation({ nowMs: at('2026-03-06T15:00:00Z'), serviceLevel: 'express' }), network());
    expect(promise.choice?.shipments[0]?.option.handoverDay).toBe('2026-03-09');
    expect(iso(promise.deliverByMs)).toBe('2026-03-10T17:00:00.000Z');
  });

  it('reads the day in the warehouse time zone: 23:30 UTC on Tuesday is already Wednesday morning in Paris', () => {
    const promise = computePromise(situation({ nowMs: at('2026-03-03T23:30:00Z'), serviceLevel: 'express' }), network());
    expect(promise.choice?.shipments[0]?.option.handoverDay).toBe('2026-03-04');
    expect(iso(promise.deliverByMs)).toBe('2026-03-05T17:00:00.000Z');
  });

  it('reads the cut-off in the warehouse time zone: 14:30 UTC is before 15:00 in London though after it in Paris', () => {
    const london = warehouse({
      code: 'LON1',
      countryCode: 'GB',
      postalCode: 'E1 6AN',
      timeZone: 'Europe/London',
      cutoffLocalTime: '15:00',
    });
    const paris = WAREHOUSES.find((w) => w.code === 'PAR1')!;
    const now = at('2026-03-04T14:30:00Z');
    const fromLondon = computePromise(situation({ nowMs: now, stock: stock({ LON1: { MUG: 5 } }) }), network({ warehouses: [london] }));
    const fromParis = computePromise(situation({ nowMs: now, stock: stock({ PAR1: { MUG: 5 } }) }), network({ warehouses: [paris] }));
    expect(fromLondon.choice?.shipments[0]?.option.handoverDay).toBe('2026-03-04');
    expect(fromParis.choice?.shipments[0]?.option.handoverDay).toBe('2026-03-05');
  });

  it('skips a public holiday of the warehouse: after the cut-off on the eve of Ascension, picking waits for Friday', () => {
    // Ascension, Thursday 14 May 2026, is a public holiday in France.
    const promise = computePromise(situation({ nowMs: at('2026-05-13T14:00:00Z'), serviceLevel: 'express' }), network());
    expect(promise.choice?.shipments[0]?.option.handoverDay).toBe('2026-05-15');
    expect(iso(promise.deliverByMs)).toBe('2026-05-18T16:00:00.000Z');
  });

  it('skips a public holiday of the destination: nothing is delivered in France on 14 July', () => {
    const promise = computePromise(situation({ nowMs: at('2026-07-13T08:00:00Z'), serviceLevel: 'express' }), network());
    expect(promise.choice?.shipments[0]?.option.handoverDay).toBe('2026-07-13');
    expect(iso(promise.deliverByMs)).toBe('2026-07-15T16:00:00.000Z');
  });

  it("promises by the end of the delivery day in the destination's own region: the Canary Islands are an hour behind Madrid", () => {
    // The country's first zone was every region's: a customer in Las Palmas was promised by 23:00 her time.
    const toLasPalmas = { countryCode: 'ES', postalCode: '35001', region: 'Islas Canarias' };
    const toMadrid = { countryCode: 'ES', postalCode: '28001' };
    const now = at('2026-03-04T12:00:00Z');
    const canary = computePromise(situation({ nowMs: now, serviceLevel: 'express', destination: toLasPalmas }), network());
    const mainland = computePromise(situation({ nowMs: now, serviceLevel: 'express', destination: toMadrid }), network());
    expect(iso(mainland.deliverByMs)).toBe('2026-03-06T17:00:00.000Z');
    expect(iso(canary.deliverByMs)).toBe('2026-03-06T18:00:00.000Z');
  });

  it('a day whose pick capacity is already promised pushes the promise to the next day with room', () => {
    const full = { '2026-03-04': 100 };
    const promise = computePromise(
      situation({ nowMs: at('2026-03-04T12:00:00Z'), serviceLevel: 'express', promisedByDay: { PAR1: full, HAM1: full } }),
      network(),
    );
    expect(promise.choice?.shipments[0]?.option.handoverDay).toBe('2026-03-05');
    expect(iso(promise.deliverByMs)).toBe('2026-03-06T17:00:00.000Z');
  });
});

describe('the promise engine: where the stock is', () => {
  it('ships an order to Lyon from Paris rather than Hamburg: no zone surcharge, a day less of transit', () => {
    const promise = computePromise(situation({ nowMs: at('2026-03-04T08:00:00Z') }), network());
    expect(promise.choice?.shipments.map((s) => s.option.warehouseCode)).toEqual(['PAR1']);
    const toHamburg = computePromise(situation({ nowMs: at('2026-03-04T08:00:00Z'), destination: HAMBURG }), network());
    expect(toHamburg.choice?.shipments.map((s) => s.option.warehouseCode)).toEqual(['HAM1']);
  });

  it('a backorder is promised from the expected restock: picked the day it arrives, delivered two days later', () => {
    const promise = computePromise(
      situation({
        nowMs: at('2026-03-04T08:00:00Z'),
        lines: [{ lineId: 'L1', skuCode: 'KETTLE', quantity: 2 }],
        inbound: [{ warehouseCode: 'LYS1', skuCode: 'KETTLE', quantity: 5, expectedAtMs: at('2026-03-09T08:00:00Z') }],
      }),
      network(),
    );
    expect(promise.basis).toBe('backorder');
    expect(promise.choice?.shipments[0]?.option).toMatchObject({ warehouseCode: 'LYS1', handoverDay: '2026-03-09' });
    expect(iso(promise.deliverByMs)).toBe('2026-03-11T17:00:00.000Z');
  });

  it('a restock too small for the order does not date it: the next one that completes the quantity does', () => {
    const promise = computePromise(
      situation({
        nowMs: at('2026-03-04T08:00:00Z'),
        lines: [{ lineId: 'L1', skuCode: 'KETTLE', quantity: 4 }],
        inbound: [
          { warehouseCode: 'LYS1', skuCode: 'KETTLE', quantity: 2, expectedAtMs: at('2026-03-05T08:00:00Z') },
          { warehouseCode: 'LYS1', skuCode: 'KETTLE', quantity: 2, expectedAtMs: at('2026-03-10T08:00:00Z') },
        ],
      }),
      network(),
    );
    expect(promise.choice?.shipments[0]?.option.handoverDay).toBe('2026-03-10');
  });

  it('without stock or an expected restock nothing can be dated: confidence 0 and the basis says why', () => {
    const promise = computePromise(
      situation({ nowMs: at('2026-03-04T08:00:00Z'), lines: [{ lineId: 'L1', skuCode: 'KETTLE', quantity: 1 }] }),
      network(),
    );
    expect(promise).toMatchObject({
      basis: 'restock_unknown',
      confidence: 0,
      choice: undefined,
      undatedReason: { code: 'no_restock', text: 'no stock and no restock expected' },
    });
    expect(promise.deliverByMs).toBeGreaterThan(at('2026-03-10T00:00:00Z'));
  });

  it('goods on the shelf but no service of the order’s level to the destination: the refusal names that, not "no stock"', () => {
    // Found probing POST /orders: an economy order to the US (only standard and express services go there) with every
    // unit in stock was told "no stock and no restock expected". The fixture network has no economy service at all.
    const promise = computePromise(
      situation({ nowMs: at('2026-03-04T08:00:00Z'), serviceLevel: 'economy', requestedByMs: at('2026-03-12T17:00:00Z') }),
      network(),
    );
    expect(promise).toMatchObject({ basis: 'in_stock', confidence: 0, choice: undefined });
    expect(promise.requested).toMatchObject({
      met: false,
      reason: { code: 'no_service_level', text: 'no economy service takes this order to FR; standard, express services do' },
    });
  });

  it('a ship-available order with nothing on the shelf is refused as such, and one without stock or restock as before', () => {
    const kettle = {
      nowMs: at('2026-03-04T08:00:00Z'),
      lines: [{ lineId: 'L1', skuCode: 'KETTLE', quantity: 1 }],
      requestedByMs: at('2026-03-12T17:00:00Z'),
    };
    const partial = computePromise(situation({ ...kettle, backorderPolicy: 'ship_available' }), network());
    expect(partial).toMatchObject({
      basis: 'partial',
      confidence: 0,
      requested: { met: false, reason: { code: 'not_in_stock', text: 'nothing of the order is in stock to ship now' } },
    });
    const backorder = computePromise(situation(kettle), network());
    expect(backorder).toMatchObject({
      basis: 'restock_unknown',
      requested: { met: false, reason: { code: 'no_restock', text: 'no stock and no restock expected' } },
    });
  });

  it('fills a box no heavier than a carrier takes: 100 mugs in stock, a box rated 30 kg that weighs 850 g, still promised', () => {
    // Found probing POST /orders: 100 of the seeded mugs (770 in stock) got confidence 0 and no plan. The packer filled
    // PAR1's BOX-XL to its 30 kg rating, 30.85 kg with the box, and every carrier takes 30 kg at most (6 dumbbells too).
    const xl = {
      id: 'PAR1-XL',
      code: 'BOX-XL',
      innerLengthMm: 600,
      innerWidthMm: 400,
      innerHeightMm: 400,
      maxWeightGrams: 30_000,
      tareWeightGrams: 850,
      costCents: 240,
    };
    const paris = warehouse({ code: 'PAR1', postalCode: '95500', boxes: [xl] });
    const promise = computePromise(
      situation({
        nowMs: at('2026-03-04T08:00:00Z'),
        lines: [{ lineId: 'L1', skuCode: 'MUG', quantity: 100 }],
        stock: stock({ PAR1: { MUG: 200 } }),
      }),
      network({ warehouses: [paris] }),
    );
    expect(promise.basis).toBe('in_stock');
    expect(promise.confidence).toBeGreaterThanOrEqual(0.95);
    const parcels = promise.choice?.shipments.flatMap((s) => s.option.parcels) ?? [];
    expect(parcels.length).toBeGreaterThanOrEqual(2);
    for (const parcel of parcels) expect(parcel.weightGrams).toBeLessThanOrEqual(30_000);
  });

  it('ship-available orders are promised for what is on the shelf', () => {
    const promise = computePromise(
      situation({
        nowMs: at('2026-03-04T08:00:00Z'),
        backorderPolicy: 'ship_available',
        lines: [
          { lineId: 'L1', skuCode: 'MUG', quantity: 1 },
          { lineId: 'L2', skuCode: 'KETTLE', quantity: 1 },
        ],
      }),
      network(),
    );
    expect(promise.basis).toBe('partial');
    expect(promise.choice?.shipments.flatMap((s) => s.option.lines.map((l) => l.skuCode))).toEqual(['MUG']);
  });

  it('a warehouse marked down promises nothing, so an order it could have served comes from another', () => {
    const down = WAREHOUSES.map((w) => (w.code === 'PAR1' ? { ...w, down: true } : w));
    const promise = computePromise(situation({ nowMs: at('2026-03-04T08:00:00Z') }), network({ warehouses: down }));
    expect(promise.choice?.shipments.map((s) => s.option.warehouseCode)).toEqual(['HAM1']);
  });
});

describe('the promise engine: learned transit and the caller’s own date', () => {
  it('a carrier that delivers a day later than it quotes moves the express promise a day later', () => {
    const late: TransitCount[] = [
      {
        carrierCode: 'swiftpost',
        serviceCode: 'sp_express',
        originCountry: 'FR',
        destinationCountry: 'FR',
        quotedDays: 1,
        deliveryDays: 2,
        parcels: 60,
      },
    ];
    const now = at('2026-03-04T08:00:00Z');
    const before = computePromise(situation({ nowMs: now, serviceLevel: 'express' }), network());
    const after = computePromise(situation({ nowMs: now, serviceLevel: 'express' }), network({ counts: late }));
    expect(after.deliverByMs - before.deliverByMs).toBe(86_400_000);
  });

  it('keeps a caller’s date the network can meet, and says so', () => {
    const requestedByMs = at('2026-03-06T20:00:00Z');
    const promise = computePromise(situation({ nowMs: at('2026-03-04T12:00:00Z'), serviceLevel: 'express', requestedByMs }), network());
    expect(promise.deliverByMs).toBe(requestedByMs);
    expect(promise.requested).toMatchObject({ met: true });
    expect(promise.requested?.confidence).toBeGreaterThanOrEqual(0.95);
  });

  it('refuses a caller’s date the network cannot meet and promises its own, with the reason', () => {
    const requestedByMs = at('2026-03-05T10:00:00Z');
    const promise = computePromise(situation({ nowMs: at('2026-03-04T12:00:00Z'), serviceLevel: 'express', requestedByMs }), network());
    expect(iso(promise.deliverByMs)).toBe('2026-03-05T17:00:00.000Z');
    expect(promise.requested).toMatchObject({
      met: false,
      reason: { code: 'not_by_requested_date', text: expect.stringContaining('95 %') },
    });
    expect(promise.requested?.confidence).toBeLessThan(0.95);
  });

  it('judges a caller’s date centuries out (a year ahead under a 1440× demo clock) without walking the calendar to it', () => {
    // Intake runs the engine on the API's event loop: a day-by-day walk over a thousand years of holidays stalled every request for seconds.
    const started = performance.now();
    const requestedByMs = at('3026-03-06T20:00:00Z');
    const promise = computePromise(situation({ nowMs: at('2026-03-04T12:00:00Z'), serviceLevel: 'standard', requestedByMs }), network());
    expect(promise.requested).toMatchObject({ met: true, confidence: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
