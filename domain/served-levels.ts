import type { ServiceFacts } from './fulfilment-plan';
import type { ServiceLevel } from './order';
import { SERVICE_LEVELS } from './workflow-input-shapes';

/**
 * The service levels some carrier delivers at to `countryCode`, slowest first. An order at a level none serves there
 * (economy to the US, where only standard and express services go) cannot be promised nor booked as ordered.
 */
export function levelsServing(
  services: readonly Pick<ServiceFacts, 'level' | 'destinationCountries'>[],
  countryCode: string,
): ServiceLevel[] {
  const served = new Set(services.filter((s) => s.destinationCountries.includes(countryCode)).map((s) => s.level));
  return SERVICE_LEVELS.filter((level) => served.has(level));
}
