import { ESCALATION_SEVERITIES } from './lifecycle';
import { type Check, dateTime, integer, listOf, object, oneOf, optional, type Shape, text } from './message-shapes';

/**
 * What a journey workflow needs of its start input, checked without zod (domain/message-shapes.ts's
 * vocabulary). Intake, the order (for its shipments) and the return starter always send a valid input;
 * these catch one started by hand (`temporal workflow start`, the Web UI's "Start Workflow"), which
 * otherwise failed its first workflow task for ever on a missing field, or parked a local activity in
 * endless retries. Deliberately looser than the API's zod schemas (presence and type, not lengths or
 * patterns): a workflow started by any earlier release passes them, so a run in flight never fails its replay.
 */

/** The service levels an order can ask for (domain/order.ts's ServiceLevelSchema reads them from here). */
export const SERVICE_LEVELS = ['economy', 'standard', 'express'] as const;
/** What to do when stock is short (domain/order.ts's BackorderPolicySchema reads them from here). */
export const BACKORDER_POLICIES = ['backorder', 'ship_available'] as const;

const positiveNumber: Check = (value, field) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : `${field}: expected a number above 0`;

const filled = text({ min: 1 });

/** Where a parcel goes: the fields the carriers and the mails read. */
const DESTINATION = object({ name: filled, line1: filled, city: filled, postalCode: filled, countryCode: filled });

export const ORDER_WORKFLOW_INPUT: Shape<unknown> = object({
  orderId: filled,
  receivedAt: dateTime,
  promisedBy: dateTime,
  timeScale: optional(positiveNumber),
  request: object({
    customer: object({ id: filled }),
    shipTo: DESTINATION,
    lines: listOf(object({ sku: filled, quantity: integer({ min: 1 }) }), { min: 1 }),
    serviceLevel: oneOf(SERVICE_LEVELS),
    backorderPolicy: optional(oneOf(BACKORDER_POLICIES)),
  }),
});

export const SHIPMENT_WORKFLOW_INPUT: Shape<unknown> = object({
  orderId: filled,
  shipmentId: filled,
  warehouseCode: filled,
  customerId: filled,
  lines: listOf(object({ orderLineId: text(), skuCode: filled, quantity: integer({ min: 1 }) }), { min: 1 }),
  shipTo: DESTINATION,
  serviceLevel: oneOf(SERVICE_LEVELS),
  promisedBy: dateTime,
  timeScale: positiveNumber,
});

export const RETURN_WORKFLOW_INPUT: Shape<unknown> = object({ returnId: filled, orderId: filled, timeScale: positiveNumber });

/** An escalation's alert, started by the API for an escalation it opened (workflows/escalations/alert.ts). */
export const ESCALATION_ALERT_INPUT: Shape<unknown> = object({
  escalationId: filled,
  summary: filled,
  severity: oneOf(ESCALATION_SEVERITIES),
  timeScale: positiveNumber,
});

/**
 * The failure types of a journey run started by hand that its own input failed before it did anything: an input without
 * its shape (`requireStartInput`) or a shipment's input under another shipment's id (`requireOwnWorkflowId`), both in
 * workflows/shared/message-guards.ts, which keeps its own copies (test/unit/hand-started-run.test.ts holds them equal).
 * A reset of such a run replays the same input and fails the same way.
 */
export const FAILED_ON_ITS_INPUT = ['MalformedWorkflowInput', 'ForeignWorkflowId'] as const;
