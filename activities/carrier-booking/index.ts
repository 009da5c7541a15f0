import type { CarrierActivityDeps } from './deps';
import { createLabelActivities } from './labels';
import { createRateShopActivities } from './rate-shop';
import { createPollingActivities } from './tracking-poll';

/**
 * Everything that talks to a carrier. These run on the `colis-carriers` task queue so a slow or
 * failing carrier API ties up carrier workers only.
 */
export function createCarrierActivities(deps: CarrierActivityDeps) {
  return {
    ...createRateShopActivities(deps),
    ...createLabelActivities(deps),
    ...createPollingActivities(deps),
  };
}
