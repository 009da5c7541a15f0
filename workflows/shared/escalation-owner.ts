import type { EscalationView, ResolveEscalationRequest } from '../../domain/journey';
import { alerts, bookkeeping, summarised } from '../activity-options';
import type { OrderQueueActivities } from '../activity-types';
import type { Timeline } from './timeline';

/**
 * What the escalation tracker (./escalation.ts) is given and gives back: the workflow that holds it, the activities
 * that write its rows and alerts, the state a continued run carries, an answer taken.
 */

/** Unanswered for this long, an escalation steps up one severity (business hours), up to critical. */
export const SEVERITY_STEP_HOURS = 8;

/** The escalation rows and the ops alert, as the owner's workflow calls them. */
export interface EscalationActivities extends Pick<OrderQueueActivities, 'openEscalation' | 'raiseEscalationSeverity' | 'closeEscalation'> {
  notifyEscalation(input: Parameters<OrderQueueActivities['notifyEscalation']>[0], summary: string): Promise<unknown>;
}

/** The order's and the shipment's: rows as local activities, the alert as an activity of its own. */
export const JOURNEY_ACTIVITIES: EscalationActivities = {
  openEscalation: (input) => bookkeeping.openEscalation(input),
  raiseEscalationSeverity: (input) => bookkeeping.raiseEscalationSeverity(input),
  closeEscalation: (input) => bookkeeping.closeEscalation(input),
  notifyEscalation: (input, summary) => summarised(alerts.notifyEscalation, summary, input),
};

/** Who holds the escalations: an order (backorder deadline, a replacement short of stock), a shipment, or a return. */
export interface EscalationOwner {
  orderId: string;
  shipmentId?: string;
  returnId?: string;
  /** How refusals name the workflow: "shipment ORD-1-S1". */
  label: string;
  timeScale: number;
  timeline: Timeline;
  /** Business hours between severity steps (default SEVERITY_STEP_HOURS). */
  severityStepHours?: number;
  /** How the rows and alerts are written (default: the order's and shipment's activities). */
  activities?: EscalationActivities;
  /**
   * Why a "wait" answered now would end the workflow rather than keep it waiting (a shipment whose parcel the carrier
   * reports lost: tracking.ts applyDecision), or undefined when a wait is only a wait. Such a wait is a remedy like a
   * refund for the guard against two answers at once (escalation.ts refuseWhileActingOnAnother). Default: never.
   */
  waitEnds?(): string | undefined;
  /**
   * Why the workflow takes no answer now, or undefined when it does: it is being cancelled, and its escalations close
   * with it (escalation.ts refuseWhileEnding). An answer taken then was recorded as ops' decision and never carried out.
   * Default: answers are always taken.
   */
  endingBecause?(): string | undefined;
  /** After every change (opened, stepped up, answered, resolved by the facts): what ops see must follow. */
  changed(change: { kind: 'escalated' | 'escalation_closed'; escalation: EscalationView }): Promise<void>;
}

/** What a continued run needs to carry on: the open escalations and the numbering of the next ones. */
export interface EscalationState {
  seq: number;
  views: EscalationView[];
  open: { escalationId: string; nextStepAtMs?: number }[];
}

export interface Answered {
  view: EscalationView;
  answer: ResolveEscalationRequest;
}
