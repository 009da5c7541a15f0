import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EscalationView, TimelineEntry, TrackingEventsSignal } from '../../domain/journey';
import type { ReturnStatus } from '../../domain/return-policy';
import type { TrackingStatus } from '../../domain/carrier';
import { searchAttributes } from '../definitions';

/**
 * The messages of `return-<returnId>`: clients (the API, tests, ops tooling) import these instead of
 * repeating names as strings. The type name `returnWorkflow` is what histories record: keep it.
 */

export const RETURN_WORKFLOW_TYPE = 'returnWorkflow';

export interface ReturnWorkflowInput {
  returnId: string;
  orderId: string;
  /** Business seconds per real second (see domain/clock.ts). */
  timeScale: number;
}

/**
 * The search attributes a return starts with, from its start options (the API, a carrier return's activity): ops
 * list it by `OrderId`, `ReturnStatus` and `Escalated` (README, "Search attributes") and the workflow upserts only what
 * changes. `status`: the status its row was opened with (a customer's return is requested, a carrier's received).
 */
export function returnStartAttributes(input: ReturnWorkflowInput, status: ReturnStatus): SearchAttributePair[] {
  return [
    { key: searchAttributes.orderId, value: input.orderId },
    { key: searchAttributes.returnStatus, value: status },
    { key: searchAttributes.escalated, value: false },
  ];
}

export interface ReturnOutcome {
  returnId: string;
  status: Extract<ReturnStatus, 'completed' | 'expired' | 'cancelled'>;
  refundCents: number;
}

/** What ops found when they opened the parcel; the API checks it against the return's lines first. */
export interface ReturnInspectionInput {
  lines: { lineNo: number; restock: number; writeOff: number }[];
  inspectedBy: string;
  note?: string;
}

export interface ReturnWorkflowView {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  trackingStatus?: TrackingStatus;
  trackingNumber?: string;
  lastScanAt?: string;
  refundCents?: number;
  escalations: EscalationView[];
  timeline: TimelineEntry[];
}

export const returnStatusQuery = defineQuery<ReturnWorkflowView>('status');
/** Carrier scans of the return parcel, from the carrier webhook (the workflow polls too). */
export const returnScansSignal = defineSignal<[TrackingEventsSignal]>('returnScans');
/** The warehouse's inspection: answers once the stock is moved and the refund is due. */
export const inspectReturnUpdate = defineUpdate<ReturnWorkflowView, [ReturnInspectionInput]>('inspect');
