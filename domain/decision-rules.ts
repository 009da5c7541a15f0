/**
 * The decision layer's settings (declared as COLIS_DECISION_RULES, COLIS_PROMISE_CONFIDENCE and
 * COLIS_ON_TIME_TARGET in config/variables.ts), shared by the API (the promise at intake) and the
 * workers (allocation, carrier choice, re-promise). `baseline` keeps the rules Colis had before — a
 * fixed-day promise, allocation by the customer's country then the lowest code, the carrier's own estimate — so a simulation can measure
 * one against the other on the same scenario.
 */
export interface DecisionSettings {
  rules: DecisionRules;
  /** P(every parcel by the promise) a promise must reach. */
  promiseConfidence: number;
  /** P(arriving by the promise) a booked service must reach. */
  onTimeTarget: number;
  /** Business minutes a warehouse's queue may leave a pick unserved before the warehouse counts as down. */
  warehouseDownAfterMinutes?: number;
}

/** Two business hours: longer than any pick a loaded warehouse worker keeps waiting, short against a promise. */
export const DEFAULT_WAREHOUSE_DOWN_AFTER_MINUTES = 120;

export type DecisionRules = 'promise' | 'baseline';

export const DEFAULT_DECISION_SETTINGS: DecisionSettings = { rules: 'promise', promiseConfidence: 0.95, onTimeTarget: 0.95 };
