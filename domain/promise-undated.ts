import type { Destination, ShipmentOption } from './fulfilment-plan';
import type { ServiceLevel } from './order';
import { SERVICE_LEVELS } from './workflow-input-shapes';

/**
 * Why the promise engine could date no delivery, or not by the date a shop asked for: a code per cause, and the sentence the
 * shop reads for it in `promise.reason` / `promise.requested.reason` (domain/promise-engine.ts). The goods missing is only one
 * cause: goods on the shelf with no service of the order's level to the destination (an economy order to a country only
 * express and standard services reach), no pick slot left, a delivery beyond the horizon are others, each named as what it is.
 * A customer reads the code in their own words (domain/tracking-page-words.ts): the sentence is the shop's, in English.
 */
export const UNDATED_REASONS = [
  'promised_to_others',
  'restock_overdue',
  'no_restock',
  'not_in_stock',
  'no_pick_slot',
  'no_service_level',
  'beyond_horizon',
  'requested_date_passed',
  'not_by_requested_date',
] as const;
export type UndatedReason = (typeof UNDATED_REASONS)[number];

/** The fixed sentences; the others (below) name the service level, the country or the horizon. */
const FIXED_SENTENCES = {
  promised_to_others: 'what is in stock or expected is promised to earlier orders',
  restock_overdue: 'no stock, and its restock is more than two weeks overdue',
  no_restock: 'no stock and no restock expected',
  not_in_stock: 'nothing of the order is in stock to ship now',
  no_pick_slot: 'no warehouse holding the goods has a pick slot left',
  requested_date_passed: 'the requested date has already passed',
} as const satisfies Partial<Record<UndatedReason, string>>;
const SHELF_PROMISED_TO_OTHERS = 'what is in stock is promised to earlier orders';

/** A cause, as the shop reads it: its code (`reasonCode`) and its sentence (`reason`). */
export interface UndatedCause {
  code: UndatedReason;
  text: string;
}

const fixedCause = (code: keyof typeof FIXED_SENTENCES): UndatedCause => ({ code, text: FIXED_SENTENCES[code] });

/** A caller's date no plan meets at the confidence the promise needs. */
export const notByRequestedDate = (serviceLevel: ServiceLevel, confidence: number): UndatedCause => ({
  code: 'not_by_requested_date',
  text: `no warehouse and ${serviceLevel} service delivers by then with ${Math.round(confidence * 100)} % confidence`,
});
export const REQUESTED_DATE_PASSED = fixedCause('requested_date_passed');

/**
 * The code of a sentence this module wrote, or undefined for any other text. A promise stored before `reasonCode` existed
 * carries the sentence only (`reason`, `requested.reason`): it is read back here, beside the sentences themselves.
 */
export function undatedReasonCode(sentence: string | undefined): UndatedReason | undefined {
  if (sentence === undefined) return undefined;
  const fixed = Object.entries(FIXED_SENTENCES).find(([, text]) => text === sentence)?.[0];
  if (fixed !== undefined) return fixed as UndatedReason;
  if (sentence === SHELF_PROMISED_TO_OTHERS) return 'promised_to_others';
  if (/^no [a-z_]+ service takes this order to /.test(sentence)) return 'no_service_level';
  if (/^no warehouse and [a-z_]+ service delivers within \d+ working days$/.test(sentence)) return 'beyond_horizon';
  if (/^no warehouse and [a-z_]+ service delivers by then with \d+ % confidence$/.test(sentence)) return 'not_by_requested_date';
  return undefined;
}

/** Why nothing could date the order: `promise.reasonCode` and `promise.reason` (and `promise.requested`'s). */
export function undatedReason(
  plans: readonly (readonly ShipmentOption[])[],
  noPlanBecause: 'no_restock' | 'nothing_on_shelf' | 'no_pick_slot' | undefined,
  serviceLevel: ServiceLevel,
  destination: Destination,
  horizonDays: number,
  heldForOthers = false,
  overdueRestocks = false,
): UndatedCause {
  // What is there or on its way went to earlier orders: "nothing expected" would send ops looking for a missing ASN.
  if (noPlanBecause === 'no_restock') {
    if (heldForOthers) return fixedCause('promised_to_others');
    return fixedCause(overdueRestocks ? 'restock_overdue' : 'no_restock');
  }
  if (noPlanBecause === 'nothing_on_shelf')
    return heldForOthers ? { code: 'promised_to_others', text: SHELF_PROMISED_TO_OTHERS } : fixedCause('not_in_stock');
  if (noPlanBecause === 'no_pick_slot' || plans.length === 0) return fixedCause('no_pick_slot');
  const levels = new Set(plans.flatMap((plan) => plan.flatMap((option) => option.services.map((s) => s.level))));
  if (!levels.has(serviceLevel)) {
    const others = SERVICE_LEVELS.filter((level) => levels.has(level));
    const text = `no ${serviceLevel} service takes this order to ${destination.countryCode}${others.length > 0 ? `; ${others.join(', ')} services do` : ''}`;
    return { code: 'no_service_level', text };
  }
  return { code: 'beyond_horizon', text: `no warehouse and ${serviceLevel} service delivers within ${horizonDays} working days` };
}
