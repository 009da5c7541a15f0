import countries from 'i18n-iso-countries';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES, isCountryCode } from '../../domain/countries';

/** Workflow code reads the country list from domain/countries.ts; the API's rules read the same list: both as the library has it. */
describe('the country codes an address may name', () => {
  it('are the ISO 3166-1 alpha-2 codes i18n-iso-countries lists, no more, no fewer', () => {
    expect([...COUNTRY_CODES].sort()).toEqual(Object.keys(countries.getAlpha2Codes()).sort());
  });

  it('take FR, DE and XK, not ZZ, lower case or three letters', () => {
    expect(['FR', 'DE', 'XK'].map(isCountryCode)).toEqual([true, true, true]);
    expect(['ZZ', 'fr', 'FRA', ''].map(isCountryCode)).toEqual([false, false, false, false]);
  });
});
