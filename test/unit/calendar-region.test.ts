import { describe, expect, it } from 'vitest';
import { isWorkingDayIn, subdivisionOf, subdivisionOfPlace, timeZoneOf } from '../../domain/calendar';

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

  it('reads an overseas region from the postal code where no region is given: Martinique, Saint-Martin, the Canaries', () => {
    // Before: Paris and Madrid time (the tracking page, the mails, the promise's day) for these customers.
    expect(subdivisionOfPlace({ countryCode: 'FR', postalCode: '97200' })).toBe('MQ');
    expect(subdivisionOfPlace({ countryCode: 'FR', postalCode: '97 150' })).toBe('MF');
    expect(subdivisionOfPlace({ countryCode: 'FR', postalCode: '97100' })).toBe('GP');
    expect(subdivisionOfPlace({ countryCode: 'FR', postalCode: '75011' })).toBeUndefined();
    expect(subdivisionOfPlace({ countryCode: 'ES', postalCode: '35001', region: null })).toBe('CN');
    expect(subdivisionOfPlace({ countryCode: 'DE', postalCode: '35037' })).toBeUndefined();
    // A known region wins over the postal code; text no subdivision is named by leaves the postal code to tell.
    expect(subdivisionOfPlace({ countryCode: 'ES', postalCode: '35001', region: 'MD' })).toBe('MD');
    expect(subdivisionOfPlace({ countryCode: 'ES', postalCode: '35001', region: 'Gran Canaria' })).toBe('CN');
    expect(timeZoneOf({ countryCode: 'FR', postalCode: '97200' })).toBe('America/Martinique');
    expect(timeZoneOf({ countryCode: 'FR', postalCode: '97400', region: 'somewhere' })).toBe('Indian/Reunion');
    expect(timeZoneOf({ countryCode: 'ES', postalCode: '38001' })).toBe('Atlantic/Canary');
    // Martinique rests on 22 May (the abolition of slavery there); Paris works.
    expect(isWorkingDayIn({ countryCode: 'FR', postalCode: '97200' }, '2026-05-22')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'FR', postalCode: '75011' }, '2026-05-22')).toBe(true);
  });

  it("counts a region's own public holidays: Bavaria rests on Epiphany, Hamburg does not", () => {
    expect(isWorkingDayIn({ countryCode: 'DE', region: 'Bayern' }, '2026-01-06')).toBe(false);
    expect(isWorkingDayIn({ countryCode: 'DE', region: 'HH' }, '2026-01-06')).toBe(true);
  });
});
