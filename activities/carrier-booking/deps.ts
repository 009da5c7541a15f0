import type { CarrierDecision, CarrierDecisionRequest } from '../carrier-decision';
import type { CarrierRegistry } from '../carriers/registry';
import type { Db } from '../db';

/** The carrier decision (activities/carrier-decision.ts), when this worker can make it with the rate shop. */
export type ChooseQuote = (input: CarrierDecisionRequest) => Promise<CarrierDecision>;

/** What the carrier activities work with: the database, the carriers' APIs, and the carrier decision when this worker makes it. */
export interface CarrierActivityDeps {
  db: Db;
  carriers: CarrierRegistry;
  chooseQuote?: ChooseQuote;
}
