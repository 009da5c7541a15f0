import type { LineShortage } from '../../domain/inventory';
import type { TimelineEntry } from '../../domain/journey';
import type { FinalOrderStage } from '../../domain/lifecycle';
import type { Address, OrderWorkflowInput } from '../../domain/order';
import type { StageRecord } from '../activity-types';
import type { EscalationState } from '../shared/escalation-owner';
import type { ShipmentOutcome } from '../shipment/types';

export interface OrderOutcome {
  orderId: string;
  stage: FinalOrderStage;
  shipments: ShipmentOutcome[];
  packagingCostCents: number;
  shippingCostCents: number;
  shortages: LineShortage[];
}

/** A backordered order waiting for weeks hands over to a fresh run (continue-as-new) with this. */
export interface BackorderCarryOver {
  shortages: LineShortage[];
  /** Reservations held so far: none left means nothing to ship. */
  held: number;
  backorderDeadlineMs: number;
  /** The date the order was re-promised to against its restock (order/backorder.ts), when it was. */
  promisedBy?: string;
  /** When the restock that date rests on is overdue enough to date the order again (order/backorder.ts). */
  restockRecheckAtMs?: number;
  restocksSeen: number;
  shipTo: Address;
  addressVersion: number;
  timeline: TimelineEntry[];
  stageInProgress?: StageRecord;
  escalations: EscalationState;
}

export type OrderInput = OrderWorkflowInput & {
  carriedOver?: BackorderCarryOver;
  /**
   * Past this many history events a long wait continues as new (default 2,000), here and in the
   * order's shipments. Not part of intake's contract: tests set it low to exercise the hand-over.
   */
  historyEventsPerRun?: number;
};
