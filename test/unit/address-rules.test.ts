import { describe, expect, it } from 'vitest';
import { toVerdict } from '../../activities/carriers/shipengine/address-validator';
import type { Address } from '../../domain/order';
import { checkAddress } from '../../scripts/carrier-simulator/address-rules';

const lyon: Address = { name: 'Camille Martin', line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', countryCode: 'FR' };

describe("the simulated carriers' address check", () => {
  it('a plain address in a served country is deliverable as given', () => {
    expect(checkAddress(lyon)).toEqual({ kind: 'deliverable' });
    expect(checkAddress({ ...lyon, city: 'Villeurbanne', postalCode: '69100' })).toEqual({ kind: 'deliverable' });
  });

  it('a post-office box is undeliverable, naming the line', () => {
    expect(checkAddress({ ...lyon, line1: 'BP 1234' })).toMatchObject({ kind: 'undeliverable', field: 'line1' });
    expect(checkAddress({ ...lyon, line2: 'Boîte postale 12' })).toMatchObject({ kind: 'undeliverable', field: 'line2' });
    expect(checkAddress({ ...lyon, countryCode: 'DE', postalCode: '10115', city: 'Berlin', line1: 'Postfach 1020' })).toMatchObject({
      kind: 'undeliverable',
      field: 'line1',
    });
    expect(checkAddress({ ...lyon, countryCode: 'US', postalCode: '10001', city: 'New York', line1: 'P.O. Box 77' })).toMatchObject({
      kind: 'undeliverable',
      field: 'line1',
    });
    // A street that merely contains the letters is not a box.
    expect(checkAddress({ ...lyon, line1: '3 rue Bpost' })).toEqual({ kind: 'deliverable' });
  });

  it('a country no carrier serves, and a French département that does not exist, are undeliverable', () => {
    expect(checkAddress({ ...lyon, countryCode: 'JP', postalCode: '100-0001', city: 'Tokyo' })).toMatchObject({
      kind: 'undeliverable',
      field: 'countryCode',
    });
    expect(checkAddress({ ...lyon, postalCode: '96100' })).toMatchObject({ kind: 'undeliverable', field: 'postalCode' });
  });

  it('a known city spelled another way, and a postal code without its space, are corrected', () => {
    expect(checkAddress({ ...lyon, city: 'LYON 2E' })).toEqual({ kind: 'corrected', address: { ...lyon, city: 'Lyon' }, fields: ['city'] });
    expect(checkAddress({ ...lyon, city: 'paris 11e arrondissement', postalCode: '75011' })).toMatchObject({
      kind: 'corrected',
      address: { city: 'Paris' },
    });
    expect(checkAddress({ ...lyon, countryCode: 'GB', city: 'London', postalCode: 'sw1a1aa' })).toEqual({
      kind: 'corrected',
      address: { ...lyon, countryCode: 'GB', city: 'London', postalCode: 'SW1A 1AA' },
      fields: ['postalCode'],
    });
    expect(checkAddress({ ...lyon, countryCode: 'DE', city: 'munich', postalCode: '80331' })).toMatchObject({
      kind: 'corrected',
      address: { city: 'München' },
    });
  });
});

describe("ShipEngine's address validation as a verdict", () => {
  const answer = (status: string, matched?: Record<string, string>, detail?: string) => ({
    status,
    ...(matched ? { matched_address: matched } : {}),
    messages: detail ? [{ type: 'error', code: 'a1004', detail_code: detail }] : [],
  });

  it('verified with a matched address that differs is a correction of exactly those fields', () => {
    const verdict = toVerdict(
      lyon,
      answer('verified', {
        address_line1: '12 RUE DE LA REPUBLIQUE',
        city_locality: 'LYON',
        state_province: 'ARA',
        postal_code: '69002',
        country_code: 'FR',
      }),
    );
    expect(verdict).toMatchObject({ kind: 'corrected', fields: ['line1', 'city', 'region'] });
  });

  it('verified as given is deliverable; an error names the field from its detail code; unverified takes the address', () => {
    expect(
      toVerdict(lyon, answer('verified', { address_line1: lyon.line1, city_locality: 'Lyon', postal_code: '69002', country_code: 'fr' })),
    ).toEqual({ kind: 'deliverable' });
    expect(toVerdict(lyon, answer('error', undefined, 'minimum_postal_code_verification_failed'))).toMatchObject({
      kind: 'undeliverable',
      field: 'postalCode',
    });
    expect(toVerdict(lyon, answer('error', undefined, 'unsupported_country'))).toMatchObject({
      kind: 'undeliverable',
      field: 'countryCode',
    });
    expect(toVerdict(lyon, answer('error'))).toMatchObject({ kind: 'undeliverable', field: 'line1' });
    expect(toVerdict(lyon, answer('unverified'))).toMatchObject({ kind: 'unverified' });
  });
});
