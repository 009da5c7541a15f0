import { patched } from '@temporalio/workflow';

/**
 * Which workflow type runs the journey. `v3` (orderWorkflowV3 / shipmentWorkflowV3) is what new orders
 * start: every change below is its only path, so it records no patch marker (each one costs a marker
 * and a TemporalChangeVersion upsert in every shipment's history), and it runs the lean bookkeeping of
 * issue 11 (scans judged and reservations consumed in the write that stores them, promise changes
 * announced by the re-promise itself). `v2` runs orders started before it to their end on the commands
 * they recorded: patches asked of history, the bookkeeping as it was (README, "Upgrading a running system").
 */
export type Generation = 'v2' | 'v3';

/** Changes that v2 takes behind `patched()` and v3 always takes. */
export const PATCHES = {
  warehouseOutage: 'warehouse-down-reallocation',
  lateRiskCarrierChoice: 'late-risk-carrier-choice',
  carrierFallback: 'carrier-fallback',
  repromiseAtRisk: 'repromise-at-risk',
  repromiseOnScan: 'repromise-on-scan',
  reshipRefulfils: 'reship-refulfils',
  replacementWaitEscalates: 'replacement-wait-escalates',
} as const;
export type PatchId = (typeof PATCHES)[keyof typeof PATCHES];

/** True when this run takes the change: always in v3; in v2 as its history says (a marker, or a fresh run). */
export function takes(generation: Generation, patchId: PatchId): boolean {
  return generation === 'v3' || patched(patchId);
}

/**
 * Changes made after v3 shipped: v3 workflows are in flight too, so these are asked of history in every
 * generation (`patched()`: a marker in new runs, the old path in histories recorded before the change).
 * Once no run started without one is left, `deprecatePatch` and later remove it (README, "Upgrading").
 */
export const LATER_PATCHES = {
  cancelClosesEscalations: 'cancel-closes-escalations',
  returnRestockWakesOrders: 'return-restock-wakes-orders',
  learnedStallWindow: 'learned-stall-window',
  apiStoredScans: 'api-stored-scans',
  askRefusedCarrierAgain: 'ask-refused-carrier-again',
  carrierReturnInspected: 'carrier-return-inspected',
  askCarrierBeforeLate: 'ask-carrier-before-late',
  cancelRequestTakenAsCancel: 'cancel-request-taken-as-cancel',
  malformedSignalsDropped: 'malformed-signals-dropped',
  stallFromLabel: 'stall-from-label',
  terminatedShipmentAwaited: 'terminated-shipment-awaited',
  cancelOvertakenByCarrier: 'cancel-overtaken-by-carrier',
  scansBeforeCancel: 'scans-before-cancel',
  addressOvertakenByCarrier: 'address-overtaken-by-carrier',
  scansDatedAheadDropped: 'scans-dated-ahead-dropped',
  orderGoneShipmentGoesOn: 'order-gone-shipment-goes-on',
  handlersShieldedFromCancelRequest: 'handlers-shielded-from-cancel-request',
  arrivalAfterCloseReceived: 'arrival-after-close-received',
  unusedReturnLabelVoided: 'unused-return-label-voided',
  repromisePublishesPromisedBy: 'repromise-publishes-promised-by',
  shopAgainForDownCarrier: 'shop-again-for-down-carrier',
  milestoneTextBounded: 'milestone-text-bounded',
  resetRunReachesKeptShipments: 'reset-run-reaches-kept-shipments',
  refusedPurchaseBooksElsewhere: 'refused-purchase-books-elsewhere',
  backorderRepromised: 'backorder-repromised',
  returnPublishesEscalated: 'return-publishes-escalated',
  resetRunWatchesLiveStartedShipments: 'reset-run-watches-live-started-shipments',
  overdueRestockRedates: 'overdue-restock-redates',
  returnPublishesStatus: 'return-publishes-status',
  backorderWaitsItsDeadline: 'backorder-waits-its-deadline',
  missedRoundRepromises: 'missed-round-repromises',
  scansDatedLongAgoDropped: 'scans-dated-long-ago-dropped',
  shipmentWatchOutlivesHandAnswers: 'shipment-watch-outlives-hand-answers',
  shipmentWatchOutlivesHandTimeouts: 'shipment-watch-outlives-hand-timeouts',
  terminatedShipmentResumedAtReset: 'terminated-shipment-resumed-at-reset',
} as const;
export type LaterPatchId = (typeof LATER_PATCHES)[keyof typeof LATER_PATCHES];

export function takesLater(patchId: LaterPatchId): boolean {
  return patched(patchId);
}
