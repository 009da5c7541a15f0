import { describe, expect, it } from 'vitest';
import { isWorkingDayIn, subdivisionOf, timeZoneOf } from '../../domain/calendar';

/**
 * The region of an address, as shops send it: a state code, an ISO 3166-2 code or a name. Where date-holidays knows it,
 * it sets the destination's time zone and holidays; the country's first zone was the promise's day for every state of
 * the US (a customer in Los Angeles promised by the end of New York's day, 21:00 hers).
 */
describe('regions of a country', () => {
  it('reads a region by its code, its ISO 3166-2 code or its name, in any case, and nothing from other text', () => {
    expect(subdivisionOf('US', 'CA')).toBe('CA');
    expect(subdivisionOf('US', ' us-ca ')).toBe('CA');
    expect(subdivisionOf('US', 'california')).toBe('CA');
    expect(subdivisionOf('ES', 'Islas Canarias')).toBe('CN');
    expect(subdivisionOf('DE', 'hh')).toBe('HH');
    for (const text of ['Springfield County', '', '   ', 'CA-US', '.*', 'Île-de-France', 'constructor', '__proto__'])
      expect(subdivisionOf('US', text)).toBeUndefined();
    expect(subdivisionOf('FR', null)).toBeUndefined();
    expect(subdivisionOf('ZZ', 'CA')).toBeUndefined();
  });

  it("gives a region its own time zone, and a place without a known region its country's first", () => {
    expect(timeZoneOf({ countryCode: 'US', region: 'CA' })).toBe('America/Los_Angeles');
    expect(timeZoneOf({ countryCode: 'US', region: 'Hawaii' })).toBe('Pacific/Honolulu');
    expect(timeZoneOf({ countryCode: 'US', region: 'nowhere' })).toBe('America/New_York');
    expect(timeZoneOf({ countryCode: 'US' })).toBe('America/New_York');
    expect(timeZoneOf({ countryCode: 'ES', region: 'CN' })).toBe('Atlantic/Canary');
    expect(timeZoneOf({ countryCode: 'ES' })).toBe('Europe/Madrid');
    expect(timeZoneOf({ countryCode: 'FR', region: 'anything' })).toBe('Europe/Paris');
  });

  it("counts a region's own public holidays: Bavaria rests on Epiphany, Hamburg does not", () => {
    expect(isWorkingDayIn({ countryCode: 'DE', region: 'Bayern' }, '2026-01-06')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'DE', region: 'HH' }, '2026-01-06')).toBe(true);
  });
});
