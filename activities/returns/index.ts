import type { CarrierRegistry } from '../carriers/registry';
import type { Db } from '../db';
import { noRelayWaker, type RelayWaker } from '../notifications/outbox';
import type { ReturnStarter } from '../return-starter';
import { createCarrierReturnActivities } from './carrier-return';
import { createReturnProgressActivities } from './progress';
import { createReturnSettlementActivities } from './settlement';

/**
 * The database side of a return (RMA): what the return workflow reads to resume, each status it
 * moves to (with the shop's webhook and the customer's mail written in the same transaction), the
 * inbound scans, and the settlement: stock movements in the ledger and the refund due, exactly once.
 * Every function may run twice and still change things once.
 */

/**
 * `starter`: starts a carrier return's workflow right after its row commits; none (a worker without a Temporal client),
 * the API's sweep of unstarted returns starts it, and so does the inspection's call.
 */
export function createReturnActivities(db: Db, carriers: CarrierRegistry, waker: RelayWaker = noRelayWaker, starter?: ReturnStarter) {
  return {
    ...createReturnProgressActivities(db, carriers, waker),
    ...createCarrierReturnActivities(db, waker, starter),
    ...createReturnSettlementActivities(db, waker),
  };
}

export type ReturnActivities = ReturnType<typeof createReturnActivities>;
