import type { AddressField, AddressValidator, AddressVerdict } from '../../../domain/carrier';
import { changedFields } from '../../../domain/carrier';
import type { Address } from '../../../domain/order';
import { isCarrierError } from '../errors';
import type { ShipEngineHttp } from './http';
import { addressToValidate } from './requests';
import { type AddressAnswer, type AddressValidation, AddressValidationAnswerSchema } from './schemas';

/**
 * ShipEngine's address validation (`POST /v1/addresses/validate`) as Colis's address check:
 * `verified`/`warning` with a matched address that differs is a correction, `error` is
 * undeliverable (the field named from ShipEngine's detail code), `unverified` and an unreachable
 * ShipEngine take the address as given. When ShipEngine books the carriers, a recipient without a
 * phone, or without a state/province that neither the customer nor ShipEngine's match supplied, is
 * undeliverable too: ShipEngine's definition asks no rate without them.
 */

const FIELD_OF_DETAIL: Readonly<Record<string, AddressField>> = {
  unsupported_country: 'countryCode',
  non_supported_country: 'countryCode',
  minimum_postal_code_verification_failed: 'postalCode',
  invalid_postal_code: 'postalCode',
  partially_verified_to_state_level: 'city',
  partially_verified_to_city_level: 'line1',
  partially_verified_to_street_level: 'line1',
  street_does_not_match_unique_street_name: 'line1',
  invalid_house_number: 'line1',
  missing_house_number: 'line1',
  multiple_matches: 'line1',
  invalid_box_number: 'line1',
  missing_box_number: 'line1',
  suite_not_valid: 'line2',
  suite_missing: 'line2',
};

const text = (value: string | null | undefined) => (value ?? '').trim();

function matched(given: Address, answer: AddressAnswer): Address {
  const pick = (value: string | null | undefined, fallback: string) => (text(value) === '' ? fallback : text(value));
  const line2 = text(answer.address_line2);
  const region = text(answer.state_province);
  return {
    ...given,
    line1: pick(answer.address_line1, given.line1),
    ...(line2 || given.line2 ? { line2: line2 || (given.line2 ?? '') } : {}),
    city: pick(answer.city_locality, given.city),
    ...(region || given.region ? { region: region || (given.region ?? '') } : {}),
    postalCode: pick(answer.postal_code, given.postalCode),
    countryCode: pick(answer.country_code, given.countryCode).toUpperCase(),
  };
}

export function toVerdict(given: Address, result: AddressValidation | undefined): AddressVerdict {
  if (!result) return { kind: 'unverified', reason: 'ShipEngine returned no result' };
  if (result.status === 'error') {
    const errors = (result.messages ?? []).filter((m) => m.type === 'error');
    const detail = errors.map((m) => m.detail_code).find((d): d is string => typeof d === 'string');
    return {
      kind: 'undeliverable',
      field: (detail && FIELD_OF_DETAIL[detail]) || 'line1',
      reason: detail ? `ShipEngine: ${detail.replace(/_/g, ' ')}` : 'ShipEngine could not find this address',
    };
  }
  if (result.status !== 'verified' && result.status !== 'warning') return { kind: 'unverified', reason: `ShipEngine: ${result.status}` };
  if (!result.matched_address) return { kind: 'deliverable' };
  const corrected = matched(given, result.matched_address);
  const fields = changedFields(given, corrected);
  return fields.length > 0 ? { kind: 'corrected', address: corrected, fields } : { kind: 'deliverable' };
}

/**
 * The state/province the booking will send: the matched address's when ShipEngine corrected it, else the customer's.
 * Without one, the address is undeliverable through ShipEngine whatever the check said (a region is never invented:
 * the city standing in for it is good enough to ask whether a place exists, not to buy a label).
 */
function withRegionRequired(given: Address, verdict: AddressVerdict): AddressVerdict {
  if (verdict.kind === 'undeliverable') return verdict;
  const shipsTo = verdict.kind === 'corrected' ? verdict.address : given;
  if (text(shipsTo.region) !== '') return verdict;
  return { kind: 'undeliverable', field: 'region', reason: "ShipEngine's carriers need the recipient's state or province (region)" };
}

export interface ShipEngineAddressOptions {
  /**
   * Set when ShipEngine books the carriers: its definition refuses a recipient without a phone or a
   * state/province, so such an address is refused at the door (before stock is reserved) rather than left
   * without any rate later (the label booking would escalate `no_carrier`).
   */
  shipEngineBooks?: boolean;
}

export function shipEngineAddressValidator(http: ShipEngineHttp, options: ShipEngineAddressOptions = {}): AddressValidator {
  const check = async (address: Address): Promise<AddressVerdict> => {
    try {
      const answer = await http.call('shipengine', {
        operation: 'address validation',
        method: 'POST',
        path: '/v1/addresses/validate',
        body: [addressToValidate(address)],
        answer: AddressValidationAnswerSchema,
      });
      return toVerdict(address, answer[0]);
    } catch (error) {
      // ShipEngine down or refusing the request: intake goes on with the address as given; the carrier still checks at booking.
      if (isCarrierError(error)) return { kind: 'unverified', reason: error.message };
      throw error;
    }
  };
  return {
    name: 'shipengine',
    async validate(address) {
      if (options.shipEngineBooks && text(address.phone) === '') {
        return { kind: 'undeliverable', field: 'phone', reason: "ShipEngine's carriers need the recipient's phone" };
      }
      const verdict = await check(address);
      return options.shipEngineBooks ? withRegionRequired(address, verdict) : verdict;
    },
  };
}
