import type { Destination, ShipmentOption } from './fulfilment-plan';
import type { ServiceLevel } from './order';
import { SERVICE_LEVELS } from './workflow-input-shapes';

/**
 * Why the promise engine could date no delivery (domain/promise-engine.ts), in the words a shop reads in
 * `promise.requested.reason`: the goods missing is only one cause. Goods on the shelf with no service of the
 * order's level to the destination (an economy order to a country only express and standard services reach),
 * parcels no service of that level carries, and no pick slot left are others; each is named as what it is.
 */
export function undatedReason(
  plans: readonly (readonly ShipmentOption[])[],
  noPlanBecause: 'no_restock' | 'nothing_on_shelf' | 'no_pick_slot' | undefined,
  serviceLevel: ServiceLevel,
  destination: Destination,
  horizonDays: number,
  heldForOthers = false,
  overdueRestocks = false,
): string {
  // What is there or on its way went to earlier orders: "nothing expected" would send ops looking for a missing ASN.
  if (noPlanBecause === 'no_restock') {
    if (heldForOthers) return 'what is in stock or expected is promised to earlier orders';
    return overdueRestocks ? 'no stock, and its restock is more than two weeks overdue' : 'no stock and no restock expected';
  }
  if (noPlanBecause === 'nothing_on_shelf')
    return heldForOthers ? 'what is in stock is promised to earlier orders' : 'nothing of the order is in stock to ship now';
  if (noPlanBecause === 'no_pick_slot' || plans.length === 0) return 'no warehouse holding the goods has a pick slot left';
  const levels = new Set(plans.flatMap((plan) => plan.flatMap((option) => option.services.map((s) => s.level))));
  if (!levels.has(serviceLevel)) {
    const others = SERVICE_LEVELS.filter((level) => levels.has(level));
    return `no ${serviceLevel} service takes this order to ${destination.countryCode}${others.length > 0 ? `; ${others.join(', ')} services do` : ''}`;
  }
  return `no warehouse and ${serviceLevel} service delivers within ${horizonDays} working days`;
}
