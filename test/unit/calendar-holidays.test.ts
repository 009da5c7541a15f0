import { describe, expect, it } from 'vitest';
import { addWorkingDays, isWorkingDayIn, publicHolidays, subdivisionOfPlace, timeZoneOf } from '../../domain/calendar';
import { endOfDeliveryDayMs } from '../../domain/fulfilment-plan';

/** Public holidays as the destination and the warehouse keep them: every day of them, and each one once. */
describe('public holidays of a place', () => {
  it('counts every day of a holiday of several days: Romania rests on 1 and 2 January', () => {
    // date-holidays gives Romania's New Year as one entry 48 hours long; before, 2 January was a delivery day there.
    const romania = { countryCode: 'RO' };
    for (const year of [2026, 2027, 2028]) {
      expect(isWorkingDayIn(romania, `${year}-01-01`)).toBe(false);
      if (![0, 6].includes(new Date(`${year}-01-02T00:00:00Z`).getUTCDay())) expect(isWorkingDayIn(romania, `${year}-01-02`)).toBe(false);
    }
    // Wednesday 31 December 2025 + 1 working day: Thursday 1 and Friday 2 are holidays, Monday 5 is the next.
    expect(addWorkingDays(romania, '2025-12-31', 1)).toBe('2026-01-05');
    // A half-day holiday (Iceland's Christmas Eve from 13:00) is still one day, not none and not two.
    expect(isWorkingDayIn({ countryCode: 'IS' }, '2026-12-24')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'IS' }, '2026-12-23')).toBe(true);
  });

  it('keeps substitute days and weekend holidays apart: England rests on Monday 27 and Tuesday 28 December 2027', () => {
    const england = { countryCode: 'GB', region: 'ENG' };
    expect(['2027-12-24', '2027-12-27', '2027-12-28', '2027-12-29'].map((d) => isWorkingDayIn(england, d))).toEqual([
      true,
      false,
      false,
      true,
    ]);
    // The US observes New Year's Day 2028 (a Saturday) on Friday 31 December 2027: the year before's list holds it.
    expect(isWorkingDayIn({ countryCode: 'US' }, '2027-12-31')).toBe(false);
    expect(publicHolidays({ countryCode: 'US' }, 2027).has('2027-12-31')).toBe(true);
  });
});

describe('places whose calendar their postal code tells', () => {
  it('keeps Good Friday and 26 December in Alsace and Moselle, told by the postal code', () => {
    // Before: a customer in Strasbourg was promised a delivery on Good Friday, a public holiday there.
    for (const postalCode of ['67000', '68100', '57000']) {
      expect(isWorkingDayIn({ countryCode: 'FR', postalCode }, '2026-04-03')).toBe(false);
      expect(isWorkingDayIn({ countryCode: 'FR', postalCode }, '2025-12-26')).toBe(false);
    }
    expect(isWorkingDayIn({ countryCode: 'FR', postalCode: '75011' }, '2026-04-03')).toBe(true);
    expect(isWorkingDayIn({ countryCode: 'FR', postalCode: '75011' }, '2025-12-26')).toBe(true);
  });

  it("gives France's overseas collectivities their own time zone and holidays: Saint-Pierre, Wallis, Tahiti, Nouméa", () => {
    expect(timeZoneOf({ countryCode: 'FR', postalCode: '97500' })).toBe('America/Miquelon');
    expect(timeZoneOf({ countryCode: 'FR', postalCode: '98600' })).toBe('Pacific/Wallis');
    expect(timeZoneOf({ countryCode: 'FR', postalCode: '98714', region: 'Tahiti' })).toBe('Pacific/Tahiti');
    expect(timeZoneOf({ countryCode: 'FR', postalCode: '98800' })).toBe('Pacific/Noumea');
    // New Caledonia's own day (24 September) is a holiday there, not in Paris.
    expect(isWorkingDayIn({ countryCode: 'FR', postalCode: '98800' }, '2026-09-24')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'FR', postalCode: '75011' }, '2026-09-24')).toBe(true);
    // The end of the delivery day there is 18:00 Tahiti time (04:00 UTC the next day), not 18:00 in Paris.
    expect(new Date(endOfDeliveryDayMs({ countryCode: 'FR', postalCode: '98714' }, '2026-06-02')).toISOString()).toBe(
      '2026-06-03T04:00:00.000Z',
    );
  });
});

describe("Spain's communities, told by the province that opens the postal code", () => {
  it("keeps Catalonia's Diada in Barcelona, Madrid's own days in Madrid, and each of the 52 provinces in a community", () => {
    // 11 September 2026 is a Friday: before, a customer in Barcelona with no region on the address was promised it.
    expect(isWorkingDayIn({ countryCode: 'ES', postalCode: '08001' }, '2026-09-11')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'ES', postalCode: '28001' }, '2026-09-11')).toBe(true);
    // 2 May (a Friday in 2025) rests the Community of Madrid, not Seville.
    expect(isWorkingDayIn({ countryCode: 'ES', postalCode: '28001' }, '2025-05-02')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'ES', postalCode: '41001' }, '2025-05-02')).toBe(true);
    for (let province = 1; province <= 52; province++) {
      const postalCode = `${String(province).padStart(2, '0')}001`;
      expect(subdivisionOfPlace({ countryCode: 'ES', postalCode }), postalCode).toMatch(/^[A-Z]{2}$/);
    }
    // The address's own region still wins: a typo in the postal code does not move the customer.
    expect(subdivisionOfPlace({ countryCode: 'ES', postalCode: '08001', region: 'Comunidad de Madrid' })).toBe('MD');
  });
});
