import { DEFAULT_DECISION_SETTINGS, type DecisionSettings } from '../domain/decision-rules';
import { costContext } from './cost-allocation';
import { createCarrierActivities } from './carrier-booking';
import { createCarrierDecisionActivities } from './carrier-decision';
import type { CarrierRegistry } from './carriers/registry';
import type { Db } from './db';
import { createEscalationActivities, type NotifyConfig } from './escalations';
import { createInventoryActivities } from './inventory';
import type { RelayWaker } from './notifications/outbox';
import { createOrderActivities } from './orders';
import { PlanningFacts } from './planning-facts';
import { createReturnLabelActivities } from './return-labels';
import type { ReturnStarter } from './return-starter';
import { createReshipActivities } from './reships';
import { createReturnActivities } from './returns';
import { createShipmentWatchActivities, type ShipmentWatcher } from './shipment-watch';
import { createReallocationActivities } from './reallocation';
import { createRepromiseActivities } from './repromise';
import { createBackorderPromiseActivities } from './backorder-promise';
import { DeliveryRounds } from './delivery-rounds';
import { createScanBookkeeping } from './scan-bookkeeping';
import { createShipmentPlanningActivities } from './shipment-planning';
import { createStageTimingActivities } from './stage-timing';
import { createTrackingActivities } from './tracking';
import { createPickSlotActivities } from './pick-slots';
import { createWarehouseActivities } from './warehouse';

export interface ActivityDeps {
  db: Db;
  carriers: CarrierRegistry;
  notify?: NotifyConfig;
  /** Wakes the notification relays after an activity wrote mails or webhook events; none: they wait. */
  waker?: RelayWaker;
  /** The decision layer's rules and targets (COLIS_DECISION_RULES …); the promise engine's by default. */
  decisions?: DecisionSettings;
  /** Starts a carrier return's workflow once its row commits; none: the API's sweep starts it. */
  returnStarter?: ReturnStarter;
  /** Waits for shipments an order adopted after an operator's reset (activities/shipment-watch.ts). */
  shipmentWatcher?: ShipmentWatcher;
}

/**
 * The planning facts of a process whose carriers are `carriers`: when some of them only serve the labels they
 * sold (ShipEngine books the others), decisions plan with the ones that sell.
 */
export function planningFactsFor(db: ActivityDeps['db'], carriers: CarrierRegistry): PlanningFacts {
  const selling = carriers.sellingCodes();
  return new PlanningFacts(db, selling.length < carriers.codes().length ? { sellingCarriers: selling } : {});
}

/** Activities of the `colis-orders` queue: the order's and shipment's database work. */
export function createOrderQueueActivities(deps: ActivityDeps) {
  // One set of planning facts per process: allocation and carrier choice read the same learned transit.
  const facts = planningFactsFor(deps.db, deps.carriers);
  const decisions = deps.decisions ? { decisions: deps.decisions } : {};
  const settings = deps.decisions ?? DEFAULT_DECISION_SETTINGS;
  const inventory = createInventoryActivities(deps.db, { ...decisions, facts });
  const repromise = createRepromiseActivities({
    db: deps.db,
    facts,
    ...(deps.decisions ? { settings: deps.decisions } : {}),
    ...(deps.waker ? { waker: deps.waker } : {}),
  });
  const tracking = createTrackingActivities(deps.db, deps.waker);
  return {
    ...createOrderActivities(deps.db, deps.waker),
    ...inventory,
    ...createCarrierDecisionActivities({ db: deps.db, facts, ...(deps.decisions ? { settings: deps.decisions } : {}) }),
    ...repromise,
    ...createBackorderPromiseActivities({
      db: deps.db,
      facts,
      ...(deps.decisions ? { settings: deps.decisions } : {}),
      ...(deps.waker ? { waker: deps.waker } : {}),
    }),
    ...createReallocationActivities({ db: deps.db, facts, ...(deps.decisions ? { settings: deps.decisions } : {}) }),
    ...createShipmentPlanningActivities(
      deps.db,
      {},
      {
        repromise,
        ...(deps.decisions ? { warehouseDownAfterMinutes: deps.decisions.warehouseDownAfterMinutes } : {}),
      },
    ),
    ...tracking,
    ...createScanBookkeeping({ tracking, inventory, repromise, rounds: new DeliveryRounds(deps.db) }),
    ...createEscalationActivities(deps.db, deps.notify),
    ...createStageTimingActivities(deps.db, deps.waker),
    ...createPickSlotActivities(deps.db, deps.decisions?.warehouseDownAfterMinutes),
    ...createReturnActivities(deps.db, deps.carriers, deps.waker, deps.returnStarter),
    ...createShipmentWatchActivities(deps.shipmentWatcher),
    ...createReshipActivities(deps.db, deps.waker, (orderId) =>
      settings.rules === 'promise' ? costContext({ db: deps.db, facts, settings }, orderId, 'intake') : Promise.resolve(undefined),
    ),
  };
}

/** Activities of a `warehouse-<code>` queue. */
export const createWarehouseQueueActivities = (deps: Pick<ActivityDeps, 'db'>) => createWarehouseActivities(deps.db);

/**
 * Activities of the `colis-carriers` queue. The rate shop also chooses the service to book, on the same
 * learned facts and rules as the orders queue's `chooseCarrierQuote` (its own cache of them per process).
 */
export function createCarrierQueueActivities(deps: Pick<ActivityDeps, 'db' | 'carriers' | 'decisions'>) {
  const { chooseCarrierQuote } = createCarrierDecisionActivities({
    db: deps.db,
    facts: planningFactsFor(deps.db, deps.carriers),
    ...(deps.decisions ? { settings: deps.decisions } : {}),
  });
  return {
    ...createCarrierActivities({ db: deps.db, carriers: deps.carriers, chooseQuote: chooseCarrierQuote }),
    ...createReturnLabelActivities(deps),
  };
}

export type OrderQueueActivities = ReturnType<typeof createOrderQueueActivities>;
export type WarehouseQueueActivities = ReturnType<typeof createWarehouseQueueActivities>;
export type CarrierQueueActivities = ReturnType<typeof createCarrierQueueActivities>;
export type { NotifyQueueActivities } from './notifications';
