import type { EscalationView } from './journey';
import type { FinalOrderStage, FinalShipmentStage } from './lifecycle';
import { cutText } from './text-cut';

/**
 * The moments of a journey that someone outside the workflow may act on: the customer (a mail), the shop
 * (a webhook), the parent order (a cancel is no longer possible once the carrier has the parcel), ops.
 * Every workflow passes each one through a single `onMilestone` method, so a new reaction to a milestone
 * is one line there. Plain data: it also travels from a shipment to its order as a signal.
 */

export type ShipmentMilestone =
  | { kind: 'booked'; shipmentId: string; carrierCode: string; trackingNumber: string; estimatedDeliveryAt: string; promiseMiss: boolean }
  | { kind: 'dispatched'; shipmentId: string; carrierCode: string; trackingNumber: string }
  | { kind: 'out_for_delivery'; shipmentId: string }
  | { kind: 'delivered'; shipmentId: string }
  /** Opened, or its severity stepped up: the view carries the current severity. */
  | { kind: 'escalated'; shipmentId: string; escalation: EscalationView }
  | { kind: 'escalation_closed'; shipmentId: string; escalation: EscalationView }
  | { kind: 'ended'; shipmentId: string; stage: FinalShipmentStage }
  /** The journey learnt the promise was at risk and moved it (activities/repromise.ts); the intake promise is kept. */
  | { kind: 'repromised'; shipmentId: string; previousPromisedBy: string; promisedBy: string; reason: string; wording: string }
  /**
   * Whether the order's address change reached the parcel (`taken`), or the carrier had it first and it travels to the
   * address it was labelled for: the order's `changeAddress` waits for this answer from each shipment it told.
   */
  | { kind: 'address_answered'; shipmentId: string; taken: boolean };

export type OrderMilestone =
  /** Stock is reserved and the shipments are planned: what was promised will ship. */
  | { kind: 'confirmed'; orderId: string; promisedBy: string; shipments: number }
  | { kind: 'backordered'; orderId: string; until: string }
  | { kind: 'escalated'; orderId: string; escalation: EscalationView }
  | { kind: 'escalation_closed'; orderId: string; escalation: EscalationView }
  | { kind: 'ended'; orderId: string; stage: FinalOrderStage }
  /** The order's promise moved later: what the customer is told (the new date and why). */
  | { kind: 'repromised'; orderId: string; previousPromisedBy: string; promisedBy: string; reason: string; wording: string };

/**
 * What a shipment tells its order: the milestones that change what the order may do (a dispatched parcel
 * cannot be cancelled) or what it shows (which shipment is escalated, and why). Not the whole view: the
 * API reads a shipment's details from the shipment itself.
 */
export const MILESTONES_FOR_THE_ORDER: ReadonlySet<ShipmentMilestone['kind']> = new Set([
  'dispatched',
  'escalated',
  'escalation_closed',
  'repromised',
  'address_answered',
]);

/**
 * The most characters an order keeps of each text field of a shipment's milestone: an escalation's id, detail and
 * dates, a re-promise's reason, wording and dates. Our shipments' longest is a `no_carrier` detail ("no carrier quoted
 * 2 parcel(s) to <city> (3 of 3 failed)", under 200 characters with a city of 100); a re-promise's wording is under 70
 * and ids and dates under 50. A fifth of the limit, then: their text is never cut. The signal's shape bounds no text,
 * and anyone with the namespace can send one (`temporal workflow signal`): a milestone holding megabytes of detail was
 * kept whole in the order's state, its view and every continue-as-new after.
 */
export const MILESTONE_TEXT_MAX_CHARS = 1_000;

/** The fields of an escalation's view (domain/journey.ts): the only ones an order keeps of a shipment's escalation. */
const ESCALATION_FIELDS: ReadonlySet<string> = new Set([
  'escalationId',
  'reason',
  'severity',
  'detail',
  'openedAt',
  'resolvedAt',
  'decision',
]);

/**
 * `milestone` as the order keeps it, with the fields that were past their bounds (`escalation.detail`), or undefined
 * when every field is within them (what our shipments send: the milestone is kept as it came). Text is cut to
 * MILESTONE_TEXT_MAX_CHARS (domain/text-cut.ts); a date, which a cut would make no date, is written again in its
 * shortest form (`2026-11-30T10:00:00.123Z`, same instant to the millisecond); fields an escalation's view has not are
 * left out. Of the other kinds the order keeps nothing, or fields the signal's shape bounds already (a `dispatched`'s
 * carrier code and tracking number).
 */
export function boundedMilestone(milestone: ShipmentMilestone): { bounded: ShipmentMilestone; cut: string[] } | undefined {
  const cut: string[] = [];
  const text = (field: string, value: string) => {
    if (value.length <= MILESTONE_TEXT_MAX_CHARS) return value;
    cut.push(field);
    return cutText(value, MILESTONE_TEXT_MAX_CHARS);
  };
  const date = (field: string, value: string) => {
    if (value.length <= MILESTONE_TEXT_MAX_CHARS) return value;
    cut.push(field);
    return new Date(Date.parse(value)).toISOString();
  };
  let bounded: ShipmentMilestone;
  switch (milestone.kind) {
    case 'escalated':
    case 'escalation_closed': {
      const e = milestone.escalation;
      cut.push(...Object.keys(e).flatMap((key) => (ESCALATION_FIELDS.has(key) ? [] : [`escalation.${key}`])));
      const escalation: EscalationView = {
        escalationId: text('escalation.escalationId', e.escalationId),
        reason: e.reason,
        severity: e.severity,
        detail: text('escalation.detail', e.detail),
        openedAt: text('escalation.openedAt', e.openedAt),
        ...(e.resolvedAt !== undefined ? { resolvedAt: text('escalation.resolvedAt', e.resolvedAt) } : {}),
        ...(e.decision !== undefined ? { decision: e.decision } : {}),
      };
      bounded = { ...milestone, escalation };
      break;
    }
    case 'repromised':
      bounded = {
        ...milestone,
        previousPromisedBy: date('previousPromisedBy', milestone.previousPromisedBy),
        promisedBy: date('promisedBy', milestone.promisedBy),
        reason: text('reason', milestone.reason),
        wording: text('wording', milestone.wording),
      };
      break;
    default:
      return undefined;
  }
  return cut.length === 0 ? undefined : { bounded, cut };
}
