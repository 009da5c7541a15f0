import { describe, expect, it } from 'vitest';
import { ShipmentCosting } from '../../domain/fulfilment-plan';
import { expectedDeliveryDay, onTimeProbability, REPROMISE_WHEN_ON_TIME_BELOW, repromise } from '../../domain/repromise';
import type { TransitCount } from '../../domain/transit';
import { LYON, network, WAREHOUSES } from './network-fixture';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const PAR1 = WAREHOUSES.find((w) => w.code === 'PAR1');
if (!PAR1) throw new Error('fixture without PAR1');

const standard = (counts: TransitCount[] = []) => network({ counts }).transit.distribution('parcelnord', 'pn_standard', 'FR', 'FR', 3);
/** A ParcelNord standard parcel handed over on Monday 2 March, not delivered by `today`. */
const handedOverMonday = (today: string, todayIsOver: boolean) => ({
  kind: 'with_carrier' as const,
  handoverDay: '2026-03-02',
  today,
  todayIsOver,
  distribution: standard(),
});

describe('re-promise: a parcel with the carrier', () => {
  it('keeps a promise the parcel can still make: a late scan the day after hand-over changes nothing', () => {
    // Handed over Monday 2 March, quoted 3 working days, 93 % on time: promised (95 %) by Friday evening.
    const promisedByMs = at('2026-03-06T17:00:00.000Z');
    expect(repromise(handedOverMonday('2026-03-03', false), LYON, promisedByMs)).toEqual({ changed: false, promisedByMs });
  });

  it('moves the promise when the parcel is not delivered on the promised day, by what the carrier’s late parcels take', () => {
    const promisedByMs = at('2026-03-06T17:00:00.000Z');
    // Friday evening, still no delivery: what is left of the distribution is Monday.
    const position = {
      kind: 'with_carrier' as const,
      handoverDay: '2026-03-02',
      today: '2026-03-06',
      todayIsOver: true,
      distribution: standard(),
    };
    const moved = repromise(position, LYON, promisedByMs);
    expect(moved).toMatchObject({ changed: true, previousPromisedByMs: promisedByMs });
    if (moved.changed) expect(moved.deliveryDay).toBe('2026-03-09');
    if (moved.changed) expect(moved.promisedByMs).toBeGreaterThan(promisedByMs);
  });

  it('keeps the promise at a morning scan on the quoted day: today is not over, the parcel may still arrive', () => {
    // Quoted for Thursday, promised (95 %) by Friday; scanned out for delivery Thursday morning.
    const promisedByMs = at('2026-03-06T17:00:00.000Z');
    const morning = {
      kind: 'with_carrier' as const,
      handoverDay: '2026-03-02',
      today: '2026-03-05',
      todayIsOver: false,
      distribution: standard(),
    };
    expect(repromise(morning, LYON, promisedByMs)).toEqual({ changed: false, promisedByMs });
    // The same scan once the delivery window has closed moves it.
    expect(repromise({ ...morning, todayIsOver: true }, LYON, promisedByMs).changed).toBe(true);
  });

  it('a scan moves the date only once it is more likely missed than kept: not for a parcel a day behind its quote', () => {
    // Quoted for Thursday (93 %), promised (95 %) by Friday; Thursday evening, no delivery: 75 % for Friday still.
    const promisedByMs = at('2026-03-06T17:00:00.000Z');
    const thursdayEvening = handedOverMonday('2026-03-05', true);
    expect(onTimeProbability(thursdayEvening, LYON, '2026-03-06')).toBeCloseTo(0.75, 2);
    expect(repromise(thursdayEvening, LYON, promisedByMs, undefined, REPROMISE_WHEN_ON_TIME_BELOW)).toEqual({
      changed: false,
      promisedByMs,
    });
    // Friday evening it is missed: moved, to a day kept with the promise's confidence.
    const fridayEvening = { ...thursdayEvening, today: '2026-03-06' };
    expect(onTimeProbability(fridayEvening, LYON, '2026-03-06')).toBe(0);
    expect(repromise(fridayEvening, LYON, promisedByMs, undefined, REPROMISE_WHEN_ON_TIME_BELOW)).toMatchObject({
      changed: true,
      deliveryDay: '2026-03-09',
    });
  });

  it('counts a weekend day as over: a Saturday scan judges from Monday, not from Friday again', () => {
    const saturday = {
      kind: 'with_carrier' as const,
      handoverDay: '2026-03-02',
      today: '2026-03-07',
      todayIsOver: false,
      distribution: standard(),
    };
    expect(expectedDeliveryDay(saturday, LYON)).toBe(expectedDeliveryDay({ ...saturday, today: '2026-03-06', todayIsOver: true }, LYON));
  });

  it('dates a parcel later than anything learned a quote’s length of working days from today, never in the past', () => {
    const position = {
      kind: 'with_carrier' as const,
      handoverDay: '2026-03-02',
      today: '2026-03-16',
      todayIsOver: false,
      distribution: standard(),
    };
    expect(expectedDeliveryDay(position, LYON)).toBe('2026-03-19');
  });

  it('learns from late parcels: a carrier that delivers two days late is re-promised further out', () => {
    const late: TransitCount[] = [
      {
        carrierCode: 'parcelnord',
        serviceCode: 'pn_standard',
        originCountry: 'FR',
        destinationCountry: 'FR',
        quotedDays: 3,
        deliveryDays: 5,
        parcels: 200,
      },
    ];
    const position = (distribution = standard()) => ({
      kind: 'with_carrier' as const,
      handoverDay: '2026-03-02',
      today: '2026-03-04',
      todayIsOver: true,
      distribution,
    });
    expect(expectedDeliveryDay(position(), LYON)).toBe('2026-03-06');
    expect(expectedDeliveryDay(position(standard(late)), LYON)).toBe('2026-03-09');
  });
});

describe('re-promise: a shipment still in the warehouse', () => {
  it('after a missed pick slot on Friday, dates the shipment from Monday’s slot, skipping the weekend', () => {
    const facts = network();
    const option = new ShipmentCosting(facts).option(
      PAR1,
      [{ lineId: 'L1', skuCode: 'MUG', quantity: 1 }],
      LYON,
      at('2026-03-06T16:00:00Z'),
      {},
    );
    if (!option) throw new Error('no option');
    expect(option.handoverDay).toBe('2026-03-09');
    const moved = repromise({ kind: 'in_warehouse', option }, LYON, at('2026-03-09T17:00:00.000Z'));
    expect(moved.changed).toBe(true);
    if (moved.changed) expect(iso(moved.promisedByMs)).toBe('2026-03-10T17:00:00.000Z');
  });

  it('counts the capacity already promised: a full Monday pushes the re-promise to Tuesday’s slot', () => {
    const facts = network();
    const option = new ShipmentCosting(facts).option(
      PAR1,
      [{ lineId: 'L1', skuCode: 'MUG', quantity: 1 }],
      LYON,
      at('2026-03-06T16:00:00Z'),
      {
        '2026-03-09': PAR1.dailyCapacity,
      },
    );
    if (!option) throw new Error('no option');
    const moved = repromise({ kind: 'in_warehouse', option }, LYON, at('2026-03-09T17:00:00.000Z'));
    if (moved.changed) expect(iso(moved.promisedByMs)).toBe('2026-03-11T17:00:00.000Z');
    expect(moved.changed).toBe(true);
  });

  it('never moves a promise earlier', () => {
    const facts = network();
    const option = new ShipmentCosting(facts).option(
      PAR1,
      [{ lineId: 'L1', skuCode: 'MUG', quantity: 1 }],
      LYON,
      at('2026-03-02T08:00:00Z'),
      {},
    );
    if (!option) throw new Error('no option');
    const far = at('2026-03-20T17:00:00.000Z');
    expect(repromise({ kind: 'in_warehouse', option }, LYON, far)).toEqual({ changed: false, promisedByMs: far });
  });
});
