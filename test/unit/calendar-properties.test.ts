import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addWorkingDays, type CalendarPlace, isWorkingDayIn, timeZoneOf, workingDaysBetween } from '../../domain/calendar';
import { DELIVERY_WINDOW_END_MINUTE, type Destination, destinationPlace, type WarehouseFacts } from '../../domain/fulfilment-plan';
import { addDays, localDay, localMidnightMs, localMinuteOfDay, localTimeMs, parseLocalTime } from '../../domain/local-time';
import type { ServiceLevel } from '../../domain/order';
import { computePromise } from '../../domain/promise-engine';
import { calendarDigest } from './calendar-tz-probe';
import { network, SERVICES, situation, stock, WAREHOUSES, warehouse } from './network-fixture';

/**
 * The promise's dates at the calendar's edges, as properties over order times from 2025 to 2029 (clock changes, year
 * ends, leap days weighed in), warehouses in several zones and destinations far from them: "by Thursday" is the end of
 * Thursday's delivery window where the customer is, on a working day there; the parcel leaves on a working day of the
 * warehouse before its cut-off there; a later order is never promised earlier. Fixed seeds: the same cases every run.
 */

const FAR_WAREHOUSES: WarehouseFacts[] = [
  ...WAREHOUSES,
  warehouse({ code: 'NYC1', countryCode: 'US', region: 'NY', postalCode: '10001', timeZone: 'America/New_York', cutoffLocalTime: '16:00' }),
  warehouse({ code: 'SYD1', countryCode: 'AU', region: 'NSW', postalCode: '2000', timeZone: 'Australia/Sydney', cutoffLocalTime: '15:00' }),
  // A night shift whose trucks leave after midnight: the ship-by instant is on the next local day.
  warehouse({ code: 'LDN1', countryCode: 'GB', region: 'ENG', postalCode: 'E1 6AN', timeZone: 'Europe/London', cutoffLocalTime: '23:30' }),
];

const DESTINATIONS: Destination[] = [
  { countryCode: 'FR', postalCode: '69002' },
  { countryCode: 'FR', postalCode: '97200' },
  { countryCode: 'FR', postalCode: '67000' },
  { countryCode: 'FR', postalCode: '98714' },
  { countryCode: 'FR', postalCode: '98800' },
  { countryCode: 'FR', postalCode: '97400' },
  { countryCode: 'ES', postalCode: '08001' },
  { countryCode: 'ES', postalCode: '35001' },
  { countryCode: 'DE', postalCode: '80331', region: 'Bayern' },
  { countryCode: 'RO', postalCode: '010011' },
  { countryCode: 'GB', postalCode: 'EH1 1YZ', region: 'Scotland' },
  { countryCode: 'IS', postalCode: '101' },
  { countryCode: 'US', postalCode: '10001' },
  { countryCode: 'US', postalCode: '90001', region: 'CA' },
  { countryCode: 'US', postalCode: '96813', region: 'HI' },
  { countryCode: 'AU', postalCode: '6000', region: 'WA' },
];

const EVERYWHERE = [...new Set(DESTINATIONS.map((d) => d.countryCode))];
const SERVICES_EVERYWHERE = SERVICES.map((s) => ({ ...s, destinationCountries: EVERYWHERE }));

const START = Date.parse('2025-01-01T00:00:00Z');
const END = Date.parse('2029-12-31T23:59:59Z');
/** Instants the calendar turns at: clock changes north and south, year ends, a leap day, Christmas to New Year. */
const EDGES = [
  '2026-03-08T07:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-04-05T03:00:00Z',
  '2026-10-04T16:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-12-24T12:00:00Z',
  '2026-12-31T23:00:00Z',
  '2027-03-28T01:00:00Z',
  '2028-02-29T12:00:00Z',
  '2028-12-31T12:00:00Z',
].map(Date.parse);

const HOUR = 3_600_000;
const orderTime = fc.oneof(
  fc.integer({ min: START, max: END }),
  fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: -60 * HOUR, max: 60 * HOUR })).map(([edge, offset]) => edge + offset),
);

const warehousePlace = (w: WarehouseFacts): CalendarPlace => ({ countryCode: w.countryCode, ...(w.region ? { region: w.region } : {}) });

/** The first day the warehouse picks an order received at `nowMs`: today before the cut-off, else its next working day. */
function expectedPickDay(w: WarehouseFacts, nowMs: number): string {
  const today = localDay(nowMs, w.timeZone);
  let day = today;
  const beforeCutoff = localMinuteOfDay(nowMs, w.timeZone) < parseLocalTime(w.cutoffLocalTime);
  if (!isWorkingDayIn(warehousePlace(w), day) || !beforeCutoff) day = addDays(day, 1);
  while (!isWorkingDayIn(warehousePlace(w), day)) day = addDays(day, 1);
  return day;
}

function promiseFrom(w: WarehouseFacts, destination: Destination, level: ServiceLevel, nowMs: number) {
  return computePromise(
    situation({ nowMs, serviceLevel: level, destination, stock: stock({ [w.code]: { MUG: 50 } }) }),
    network({ warehouses: [w], services: SERVICES_EVERYWHERE }),
  );
}

const scenario = fc.record({
  warehouse: fc.constantFrom(...FAR_WAREHOUSES),
  destination: fc.constantFrom(...DESTINATIONS),
  level: fc.constantFrom<ServiceLevel>('express', 'standard'),
  nowMs: orderTime,
});

describe('the promise engine at the calendar edges (properties)', () => {
  it('promises the end of a working day at the destination, and ships on a working day of the warehouse before its cut-off', () => {
    fc.assert(
      fc.property(scenario, ({ warehouse: w, destination, level, nowMs }) => {
        const promise = promiseFrom(w, destination, level, nowMs);
        const shipment = promise.choice?.shipments[0];
        expect(shipment).toBeDefined();
        if (!promise.choice || !shipment) return;
        const zone = timeZoneOf(destination);
        const deliveryDay = promise.choice.deliveryDay;
        expect(localDay(promise.deliverByMs, zone)).toBe(deliveryDay);
        expect(localMinuteOfDay(promise.deliverByMs, zone)).toBe(DELIVERY_WINDOW_END_MINUTE);
        expect(isWorkingDayIn(destinationPlace(destination), deliveryDay)).toBe(true);
        const { handoverDay } = shipment.option;
        expect(handoverDay).toBe(expectedPickDay(w, nowMs));
        expect(isWorkingDayIn(warehousePlace(w), handoverDay)).toBe(true);
        const leavesAtMinute = parseLocalTime(w.cutoffLocalTime) + w.packingMinutes;
        expect(promise.shipByMs).toBe(localTimeMs(handoverDay, leavesAtMinute, w.timeZone));
        expect(localMinuteOfDay(promise.shipByMs, w.timeZone)).toBe(leavesAtMinute % 1440);
        expect(promise.shipByMs).toBeGreaterThan(nowMs);
        expect(deliveryDay > handoverDay).toBe(true);
        expect(promise.deliverByMs).toBeGreaterThan(promise.shipByMs);
      }),
      { seed: 20261208, numRuns: 300 },
    );
  });

  it('never promises a later order earlier than the same order placed before it', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 80 * HOUR }), ({ warehouse: w, destination, level, nowMs }, later) => {
        const first = promiseFrom(w, destination, level, nowMs);
        const second = promiseFrom(w, destination, level, nowMs + later);
        expect(second.deliverByMs).toBeGreaterThanOrEqual(first.deliverByMs);
        expect(second.shipByMs).toBeGreaterThanOrEqual(first.shipByMs);
      }),
      { seed: 20261209, numRuns: 200 },
    );
  });
});

describe("the shop's own date", () => {
  it('keeps a date only with a delivery day whose window closes by it, at the destination, and never one already past', () => {
    let met = 0;
    fc.assert(
      fc.property(scenario, fc.integer({ min: -HOUR, max: 20 * 24 * HOUR }), ({ warehouse: w, destination, level, nowMs }, ahead) => {
        const requestedByMs = nowMs + ahead;
        const promise = computePromise(
          situation({ nowMs, serviceLevel: level, destination, stock: stock({ [w.code]: { MUG: 50 } }), requestedByMs }),
          network({ warehouses: [w], services: SERVICES_EVERYWHERE }),
        );
        met += promise.requested?.met ? 1 : 0;
        if (!promise.requested?.met) return;
        expect(requestedByMs).toBeGreaterThan(nowMs);
        expect(promise.deliverByMs).toBe(requestedByMs);
        const day = promise.choice?.deliveryDay ?? '';
        expect(localTimeMs(day, DELIVERY_WINDOW_END_MINUTE, timeZoneOf(destination))).toBeLessThanOrEqual(requestedByMs);
        expect(day > (promise.choice?.shipments[0]?.option.handoverDay ?? '')).toBe(true);
      }),
      { seed: 20261215, numRuns: 200 },
    );
    // Most dates two days out or more are kept: the property is not vacuous.
    expect(met).toBeGreaterThan(100);
  });
});

describe('the cut-off and midnight, to the millisecond', () => {
  it('picks an order received a millisecond before the cut-off that day, at the cut-off the next working day, at midnight that day', () => {
    const day = fc.integer({ min: 0, max: 5 * 366 }).map((n) => addDays('2025-01-01', n));
    fc.assert(
      fc.property(fc.constantFrom(...FAR_WAREHOUSES), day, (w, pickDay) => {
        const cutoffMs = localTimeMs(pickDay, parseLocalTime(w.cutoffLocalTime), w.timeZone);
        const handover = (nowMs: number) =>
          promiseFrom(w, DESTINATIONS[0] as Destination, 'standard', nowMs).choice?.shipments[0]?.option.handoverDay;
        const working = isWorkingDayIn(warehousePlace(w), pickDay);
        const next = expectedPickDay(w, localTimeMs(addDays(pickDay, 1), 0, w.timeZone));
        expect(handover(cutoffMs - 1)).toBe(working ? pickDay : next);
        expect(handover(cutoffMs)).toBe(next);
        expect(handover(localMidnightMs(pickDay, w.timeZone))).toBe(working ? pickDay : next);
      }),
      { seed: 20261210, numRuns: 200 },
    );
  });
});

describe("the machine's time zone", () => {
  it('gives the same holidays and promises under TZ=Pacific/Auckland and TZ=America/Los_Angeles as here', () => {
    const probe = fileURLToPath(new URL('./calendar-tz-probe.ts', import.meta.url));
    const here = calendarDigest();
    for (const tz of ['Pacific/Auckland', 'America/Los_Angeles']) {
      const there = execFileSync(process.execPath, ['--import', 'tsx', probe], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
      expect(there).toBe(here);
    }
  });
});

describe('working days, each counted once', () => {
  it('counts back the working days it added, every one a working day, weekends and holidays between them skipped once', () => {
    const day = fc.integer({ min: 0, max: 5 * 366 }).map((n) => addDays('2025-01-01', n));
    fc.assert(
      fc.property(fc.constantFrom(...DESTINATIONS), day, fc.integer({ min: 1, max: 40 }), (destination, from, n) => {
        const place = destinationPlace(destination);
        const to = addWorkingDays(place, from, n);
        expect(isWorkingDayIn(place, to)).toBe(true);
        expect(workingDaysBetween(place, from, to)).toBe(n);
        expect(workingDaysBetween(place, from, addDays(to, -1))).toBe(n - 1);
      }),
      { seed: 20261214, numRuns: 300 },
    );
  });
});
