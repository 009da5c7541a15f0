import type { AddressValidator, AddressVerdict } from '../../domain/carrier';
import { changedFields } from '../../domain/carrier';
import type { Address } from '../../domain/order';
import { CARRIER_CATALOGUE } from './catalogue';

/**
 * The simulated carriers' address check, modelled on what a carrier's address service knows:
 *   - parcels are not delivered to post-office boxes (line 1 or 2 naming one is undeliverable);
 *   - a country none of the carriers serves is undeliverable;
 *   - French postal codes name a département: one that does not exist (00, 96, 99) is undeliverable;
 *   - a gazetteer of the big cities' postal codes: a city spelled another way for a known code
 *     ("lyon", "LYON 2E", "Paris 11e arrondissement") is corrected to the canonical name;
 *   - postal codes written in lower case or without their inner space (GB, NL, CA) are corrected.
 * Everything else is deliverable: the simulator does not pretend to know every street.
 */

const SERVED = new Set(CARRIER_CATALOGUE.flatMap((carrier) => carrier.destinationCountries));

const PO_BOX =
  /\b(p\.?\s?o\.?\s?box|post\s?office\s?box|bo[iî]te\s+postale|b\.?p\.?\s*\d+|postfach|apartado\s+de\s+correos|casella\s+postale)\b/i;

/** Postal-code prefix (country:prefix) → the city's canonical name. */
const GAZETTEER: readonly [country: string, prefix: RegExp, city: string][] = [
  ['FR', /^750\d\d$/, 'Paris'],
  ['FR', /^690\d\d$/, 'Lyon'],
  ['FR', /^130\d\d$/, 'Marseille'],
  ['FR', /^310\d\d$/, 'Toulouse'],
  ['FR', /^330\d\d$/, 'Bordeaux'],
  ['FR', /^590\d\d$/, 'Lille'],
  ['FR', /^440\d\d$/, 'Nantes'],
  ['FR', /^670\d\d$/, 'Strasbourg'],
  ['DE', /^1[0-4]\d{3}$/, 'Berlin'],
  ['DE', /^20\d{3}$/, 'Hamburg'],
  ['DE', /^8[01]\d{3}$/, 'München'],
  ['ES', /^280\d\d$/, 'Madrid'],
  ['ES', /^080\d\d$/, 'Barcelona'],
  ['IT', /^001\d\d$/, 'Roma'],
  ['IT', /^201\d\d$/, 'Milano'],
  ['NL', /^10\d\d\s?[A-Z]{2}$/, 'Amsterdam'],
  ['BE', /^1000$/, 'Bruxelles'],
];

/** Accents, case, punctuation and arrondissement suffixes do not make another city. */
const cityKey = (city: string) =>
  city
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\b(\d{1,2}\s*(e|er|eme|ème)?(\s*arr(ondissement)?\.?)?|cedex\s*\d*)\b/g, ' ')
    .replace(/[^a-z]+/g, ' ')
    .trim();

const ALIASES: Readonly<Record<string, string>> = {
  munich: 'München',
  muenchen: 'München',
  rome: 'Roma',
  milan: 'Milano',
  brussels: 'Bruxelles',
};

function canonicalPostalCode(countryCode: string, postalCode: string): string {
  const compact = postalCode.toUpperCase().replace(/\s+/g, '');
  if (countryCode === 'GB' && /^[A-Z0-9]{5,7}$/.test(compact)) return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
  if (countryCode === 'NL' && /^\d{4}[A-Z]{2}$/.test(compact)) return `${compact.slice(0, 4)} ${compact.slice(4)}`;
  if (countryCode === 'CA' && /^[A-Z]\d[A-Z]\d[A-Z]\d$/.test(compact)) return `${compact.slice(0, 3)} ${compact.slice(3)}`;
  return postalCode.trim();
}

export function checkAddress(address: Address): AddressVerdict {
  for (const field of ['line1', 'line2'] as const) {
    const line = address[field];
    if (line && PO_BOX.test(line)) return { kind: 'undeliverable', field, reason: 'parcels are not delivered to a post-office box' };
  }
  if (!SERVED.has(address.countryCode)) {
    return { kind: 'undeliverable', field: 'countryCode', reason: `no carrier delivers to ${address.countryCode}` };
  }
  if (address.countryCode === 'FR' && /^(00|96|99)/.test(address.postalCode.trim())) {
    return {
      kind: 'undeliverable',
      field: 'postalCode',
      reason: `no French département has postal codes starting ${address.postalCode.trim().slice(0, 2)}`,
    };
  }
  const postalCode = canonicalPostalCode(address.countryCode, address.postalCode);
  const known = GAZETTEER.find(([country, prefix]) => country === address.countryCode && prefix.test(postalCode))?.[2];
  const given = cityKey(address.city);
  const city = known && (given === cityKey(known) || ALIASES[given] === known) ? known : address.city;
  const corrected: Address = { ...address, postalCode, city };
  const fields = changedFields(address, corrected);
  return fields.length > 0 ? { kind: 'corrected', address: corrected, fields } : { kind: 'deliverable' };
}

export const simulatedAddressValidator: AddressValidator = {
  name: 'simulator',
  validate: async (address) => checkAddress(address),
};
