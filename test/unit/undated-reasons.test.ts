import { describe, expect, it } from 'vitest';
import type { ShipmentOption } from '../../domain/fulfilment-plan';
import {
  notByRequestedDate,
  REQUESTED_DATE_PASSED,
  UNDATED_REASONS,
  type UndatedCause,
  undatedReason,
  undatedReasonCode,
} from '../../domain/promise-undated';
import { TRACKING_PAGE_WORDS_EN, TRACKING_PAGE_WORDS_FR } from '../../domain/tracking-page-words';

/**
 * The promise engine's reasons are sentences for the shop, in English; the customer reads their code in their own language.
 * Every sentence the engine writes reads back as its code, so a French page never shows the shop's English.
 */
const destination = { countryCode: 'FR', postalCode: '75001' } as Parameters<typeof undatedReason>[3];
const expressOnly = [[{ services: [{ level: 'express' }] }]] as unknown as ShipmentOption[][];

describe("the promise engine's reasons", () => {
  it('every cause it gives has its code, and its sentence reads back as that code (promises stored before the code)', () => {
    const causes: [UndatedCause, string][] = [
      [undatedReason([], 'no_restock', 'standard', destination, 30, true), 'promised_to_others'],
      [undatedReason([], 'no_restock', 'standard', destination, 30, false, true), 'restock_overdue'],
      [undatedReason([], 'no_restock', 'standard', destination, 30), 'no_restock'],
      [undatedReason([], 'nothing_on_shelf', 'standard', destination, 30, true), 'promised_to_others'],
      [undatedReason([], 'nothing_on_shelf', 'standard', destination, 30), 'not_in_stock'],
      [undatedReason([], 'no_pick_slot', 'standard', destination, 30), 'no_pick_slot'],
      [undatedReason(expressOnly, undefined, 'economy', destination, 30), 'no_service_level'],
      [undatedReason(expressOnly, undefined, 'express', destination, 30), 'beyond_horizon'],
      [REQUESTED_DATE_PASSED, 'requested_date_passed'],
      [notByRequestedDate('standard', 0.95), 'not_by_requested_date'],
    ];
    for (const [cause, code] of causes) {
      expect(cause.code).toBe(code);
      expect([cause.text, undatedReasonCode(cause.text)]).toEqual([cause.text, code]);
    }
    expect(new Set(causes.map(([, code]) => code))).toEqual(new Set(UNDATED_REASONS));
    expect(undatedReasonCode('something a shop wrote')).toBeUndefined();
  });

  it('each code has its words for the customer in each language; an unknown reason is left out rather than shown in English', () => {
    for (const code of UNDATED_REASONS) {
      expect(TRACKING_PAGE_WORDS_EN.requestedNotMet(code)).toMatch(/^the date first asked for could not be met: \S/);
      expect(TRACKING_PAGE_WORDS_FR.requestedNotMet(code)).toMatch(/^la date demandée n’a pas pu être tenue : \S/);
      expect(TRACKING_PAGE_WORDS_FR.requestedNotMet(code)).not.toMatch(/\b(the|no|warehouse|service|stock is)\b/);
    }
    expect(TRACKING_PAGE_WORDS_FR.requestedNotMet(undefined)).toBe('la date demandée n’a pas pu être tenue');
  });
});
