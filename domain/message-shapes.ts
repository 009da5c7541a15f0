import type {
  CancelOrderRequest,
  ChangeAddressRequest,
  ResolveEscalationRequest,
  RestockedSignal,
  ShipmentView,
  TrackingEventsSignal,
} from './journey';
import { DAY_MS, isStorableInstant } from './clock';
import { isCountryCode } from './countries';
import { invisibleTextProblem, noteTextProblem } from './human-text';
import {
  ESCALATION_DECISIONS,
  ESCALATION_REASONS,
  ESCALATION_SEVERITIES,
  FINAL_SHIPMENT_STAGES,
  SHIPMENT_STAGES,
  TRACKING_STATUSES,
} from './lifecycle';
import type { ShipmentMilestone } from './milestones';
import type { Address } from './order';
import { MAX_RETURN_LINES } from './return-policy';
import { SCAN_AGE_LIMIT_MS } from './scan-screening';

/**
 * The shapes of the messages Colis's workflows take (signals and updates), checked at run time without zod,
 * so the workflow bundle stays lean. The API validates with the zod schemas of `domain/journey.ts`,
 * `domain/order.ts` and `domain/carrier.ts` before it sends; these catch what reaches a workflow by another
 * road: the `temporal` CLI, the Web UI, a script. Each accepts exactly the values the zod schema accepts
 * (`test/unit/message-shapes.test.ts` proves it on generated values), except where the workflow needs a
 * field the API always fills in (`resolvedBy`, which zod defaults).
 *
 * A check answers what is wrong, naming the field (`shipTo.city: expected text of 1 to 100 characters`),
 * or undefined when the value has the shape.
 */
export type Check = (value: unknown, field: string) => string | undefined;

/** A check that also says which type a value that passes it has (the type comes from the zod schema). */
export type Shape<T> = Check & { readonly __shapeOf?: T };

// ---- patterns and enums the zod schemas read from here ----------------------------------------

/** Carrier codes as the carrier port knows them: `swiftpost`, `stamps_com`. */
export const CARRIER_CODE_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;
/** ISO 3166-1 alpha-2, upper case. */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
/** Whose status codes a scan carries when not the carrier's own (domain/carrier.ts). */
export const TRACKING_VOCABULARIES = ['shipengine'] as const;
/** The channels a scan arrives by. */
export const SCAN_SOURCES = ['webhook', 'poll'] as const;

// ---- the vocabulary of checks ----------------------------------------------------------------

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
const at = (field: string, key: string | number) => (field === '' ? String(key) : `${field}.${key}`);
const named = (field: string) => (field === '' ? 'the message' : field);

/** How free text written by people must print (domain/human-text.ts): one line, or a note over lines. */
const PRINTED = { line: invisibleTextProblem, note: noteTextProblem } as const;

/**
 * Text of `min`..`max` characters; `trimmed`: counted without surrounding spaces (zod's `.trim()`). Never a NUL
 * character: PostgreSQL stores no text holding one, so a scan, an address or a note carrying it made the write that
 * follows fail on every retry (a local activity parked for ever, an update that never answers). The API never sends
 * one: its JSON bodies refuse control characters before zod reads them (api/services/json-input.ts).
 */
export const text =
  ({
    min = 0,
    max,
    trimmed = false,
    printed,
  }: {
    min?: number;
    max?: number;
    trimmed?: boolean;
    printed?: keyof typeof PRINTED;
  } = {}): Check =>
  (value, field) => {
    if (typeof value !== 'string') return `${named(field)}: expected text, got ${describe(value)}`;
    if (value.includes('\u0000')) return `${named(field)}: expected text without a NUL character (U+0000)`;
    const read = trimmed ? value.trim() : value;
    if (read.length < min || (max !== undefined && read.length > max)) {
      const range = max === undefined ? `at least ${min}` : `${min} to ${max}`;
      return `${named(field)}: expected text of ${range} characters${trimmed ? ' (spaces around not counted)' : ''}`;
    }
    const problem = printed === undefined ? undefined : PRINTED[printed](read);
    return problem === undefined ? undefined : `${named(field)}: ${problem}`;
  };

export const matching =
  (pattern: RegExp, what: string): Check =>
  (value, field) =>
    typeof value === 'string' && pattern.test(value) ? undefined : `${named(field)}: expected ${what}`;

export const oneOf =
  (values: readonly (string | boolean | number)[]): Check =>
  (value, field) =>
    (values as readonly unknown[]).includes(value)
      ? undefined
      : `${named(field)}: expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;

export const integer =
  ({ min, max }: { min?: number; max?: number } = {}): Check =>
  (value, field) => {
    const fits =
      Number.isSafeInteger(value) && (min === undefined || (value as number) >= min) && (max === undefined || (value as number) <= max);
    if (fits) return undefined;
    const bounds = [min !== undefined ? `≥ ${min}` : '', max !== undefined ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    return `${named(field)}: expected a whole number${bounds ? ` ${bounds}` : ''}`;
  };

/** Any finite number (a cost in cents a carrier's amount converted to, which need not be whole). */
export const finiteNumber: Check = (value, field) =>
  typeof value === 'number' && Number.isFinite(value) ? undefined : `${named(field)}: expected a number`;

export const boolean: Check = (value, field) => (typeof value === 'boolean' ? undefined : `${named(field)}: expected true or false`);

/** Absent (undefined), or passing `check`: zod's `.optional()`. */
export const optional =
  (check: Check): Check =>
  (value, field) =>
    value === undefined ? undefined : check(value, field);

export const listOf =
  (item: Check, { min = 0, max }: { min?: number; max?: number } = {}): Check =>
  (value, field) => {
    if (!Array.isArray(value)) return `${named(field)}: expected a list, got ${describe(value)}`;
    if (value.length < min || (max !== undefined && value.length > max))
      return `${named(field)}: expected ${max === undefined ? `at least ${min}` : `${min} to ${max}`} entries`;
    for (const [i, entry] of value.entries()) {
      const problem = item(entry, at(field, i));
      if (problem) return problem;
    }
    return undefined;
  };

/** An object with these fields (others are let through, as zod's `z.object` strips them). */
export const object =
  (fields: Record<string, Check>): Check =>
  (value, field) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return `${named(field)}: expected an object, got ${describe(value)}`;
    const record = value as Record<string, unknown>;
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(record[key], at(field, key));
      if (problem) return problem;
    }
    return undefined;
  };

/** One object of several, told apart by `key` (zod's discriminated union). */
export const variants =
  (key: string, byKind: Record<string, Check>): Check =>
  (value, field) => {
    const kind = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    const check = typeof kind === 'string' && Object.hasOwn(byKind, kind) ? byKind[kind] : undefined;
    return check ? check(value, field) : oneOf(Object.keys(byKind))(kind, at(field, key));
  };

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const daysIn = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** An ISO 8601 date and time with seconds and a zone (`2026-11-30T10:00:00Z`): zod's `z.iso.datetime({ offset: true })`. */
export const dateTime: Check = (value, field) => {
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  const [year, month, day] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  return m && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month)
    ? undefined
    : `${named(field)}: expected a date and time such as 2026-11-30T10:00:00Z`;
};

/** A date and time PostgreSQL stores (years 1 to 9999 in UTC): a scan's `occurredAt` (domain/carrier.ts). */
export const storableDateTime: Check = (value, field) =>
  dateTime(value, field) ??
  (isStorableInstant(Date.parse(String(value))) ? undefined : `${named(field)}: expected a date and time in the years 0001 to 9999 (UTC)`);

/** The shape is declared for `T`; that it accepts what T's zod schema accepts is what the unit tests prove. */
const shapeOf = <T>(check: Check): Shape<T> => check;

// ---- the messages -----------------------------------------------------------------------------

const addressWith = (countryCode: Check) =>
  shapeOf<Address>(
    object({
      name: text({ min: 1, max: 120, trimmed: true }),
      line1: text({ min: 1, max: 200, trimmed: true }),
      line2: optional(text({ max: 200, trimmed: true })),
      city: text({ min: 1, max: 100, trimmed: true }),
      region: optional(text({ max: 100, trimmed: true })),
      postalCode: text({ min: 1, max: 20, trimmed: true }),
      countryCode,
      phone: optional(text({ max: 40, trimmed: true })),
    }),
  );

/** An address passed on between workflows (the shipment's `addressChanged`): checked when it was given. */
export const ADDRESS = addressWith(matching(COUNTRY_CODE_PATTERN, 'an ISO 3166-1 alpha-2 code such as "FR"'));

/**
 * An address given now (an address change, checked by the update's validator, which no replay runs): its country one
 * that exists, as the API asks (domain/order-rules.ts). Sent with the Temporal CLI, `"ZZ"` was taken and booked nowhere.
 */
const GIVEN_ADDRESS = addressWith((value, field) =>
  typeof value === 'string' && isCountryCode(value)
    ? undefined
    : `${named(field)}: expected an ISO 3166-1 alpha-2 country code such as "FR"${typeof value === 'string' ? `, not "${value.slice(0, 8)}"` : ''}`,
);

export const CARRIER_TRACKING_EVENT = object({
  carrierCode: matching(CARRIER_CODE_PATTERN, 'a carrier code such as "swiftpost"'),
  vocabulary: optional(oneOf(TRACKING_VOCABULARIES)),
  eventId: text({ min: 1, max: 128 }),
  trackingNumber: text({ min: 1, max: 64 }),
  statusCode: text({ min: 1, max: 64 }),
  detail: optional(text({ max: 500 })),
  location: optional(text({ max: 200 })),
  occurredAt: storableDateTime,
});

/** `trackingEvents` (shipment) and `returnScans` (return). */
export const TRACKING_EVENTS_SIGNAL = shapeOf<TrackingEventsSignal>(
  object({ source: oneOf(SCAN_SOURCES), events: listOf(CARRIER_TRACKING_EVENT), stored: optional(oneOf([true])) }),
);

/** How far past a workflow's clock a scan sent to it may be dated: beyond, it is dropped (`scanDatedAhead`). */
export const SCAN_AHEAD_LIMIT_MS = DAY_MS;

/**
 * The first scan of a batch dated more than a day after `nowMs` (the workflow's clock), named by its field. The API dates
 * a carrier's scan on receipt once it is 5 minutes ahead of its own clock (domain/scan-screening.ts), so only a batch sent
 * by another road (the `temporal` CLI, the Web UI) meets this: a scan dated in year 9999 made the tracking model's newest
 * scan centuries away (no stall ever detected) and the re-promise it triggers overflow the calendar, its write retried for
 * ever. A day of margin leaves the API's batches alone whatever the skew between its clock and Temporal's.
 */
export function scanDatedAhead(batch: TrackingEventsSignal, nowMs: number): string | undefined {
  const i = batch.events.findIndex((event) => Date.parse(event.occurredAt) > nowMs + SCAN_AHEAD_LIMIT_MS);
  return i < 0 ? undefined : `events.${i}.occurredAt: expected a date and time at most a day after the workflow's clock`;
}

/**
 * How long before a workflow's clock a scan sent to it may be dated: beyond, it is dropped (`scanDatedLongAgo`). Twice the
 * age at which the API dates a carrier's scan on receipt (domain/scan-screening.ts), so an API batch meets it only after
 * waiting three months for a worker.
 */
export const SCAN_BEHIND_LIMIT_MS = 2 * SCAN_AGE_LIMIT_MS;

/**
 * The first scan of a batch dated more than SCAN_BEHIND_LIMIT_MS before `nowMs`, named by its field. A scan dated in
 * year 1 or 1800, typed with the `temporal` CLI, dated the parcel's hand-over so far back that the business clock (which
 * runs the demo 1440× faster) could not hold it: the write that stores scans failed on every retry and the shipment
 * stood still, its later scans and its cancel unheard.
 */
export function scanDatedLongAgo(batch: TrackingEventsSignal, nowMs: number): string | undefined {
  const i = batch.events.findIndex((event) => Date.parse(event.occurredAt) < nowMs - SCAN_BEHIND_LIMIT_MS);
  return i < 0
    ? undefined
    : `events.${i}.occurredAt: expected a date and time at most ${SCAN_BEHIND_LIMIT_MS / DAY_MS} days before the workflow's clock`;
}

/**
 * What a shipment journey's end says to its order (workflows/shipment/types.ts `ShipmentOutcome`): the fields the order
 * reads. A shipment watched by an activity (an order reset while it ran) answers through that activity, which ops can
 * also complete by hand (`temporal activity complete --result …`): an answer without this shape failed every workflow
 * task of the order.
 */
export const SHIPMENT_OUTCOME = object({
  shipmentId: text({ min: 1 }),
  stage: oneOf(FINAL_SHIPMENT_STAGES),
  packagingCostCents: finiteNumber,
  shippingCostCents: finiteNumber,
  // Optional: outcomes of shipments started by earlier releases may lack them, and the order reads them as absent.
  promiseMiss: optional(boolean),
  savingCents: optional(finiteNumber),
  reshipped: optional(object({ reason: text() })),
});

export const RESTOCKED_SIGNAL = shapeOf<RestockedSignal>(object({ warehouseCode: text(), skuCode: text(), expected: optional(boolean) }));

export const CANCEL_ORDER_REQUEST = shapeOf<CancelOrderRequest>(
  object({ reason: text({ min: 1, max: 500, trimmed: true, printed: 'note' }) }),
);

export const CHANGE_ADDRESS_REQUEST = shapeOf<ChangeAddressRequest>(object({ shipTo: GIVEN_ADDRESS }));

/** `resolvedBy` is required here: the API fills it in (the key's name), and the escalation row records it. */
export const RESOLVE_ESCALATION_REQUEST = shapeOf<ResolveEscalationRequest>(
  object({
    escalationId: text(),
    decision: oneOf(ESCALATION_DECISIONS),
    note: optional(text({ max: 1000, trimmed: true, printed: 'note' })),
    resolvedBy: text({ min: 1, max: 120, trimmed: true, printed: 'line' }),
  }),
);

/** The order tells its shipments why it calls them off: any reason it has, never an empty one. */
export const CANCEL_SHIPMENT_SIGNAL = shapeOf<{ reason: string }>(object({ reason: text({ min: 1, trimmed: true }) }));

export const WAREHOUSE_AVAILABILITY_SIGNAL = shapeOf<{ warehouseCode: string; down: boolean; reason?: string }>(
  object({ warehouseCode: text({ min: 1 }), down: boolean, reason: optional(text()) }),
);

const ESCALATION_VIEW = object({
  escalationId: text(),
  reason: oneOf(ESCALATION_REASONS),
  severity: oneOf(ESCALATION_SEVERITIES),
  detail: text(),
  openedAt: text(),
  resolvedAt: optional(text()),
  decision: optional(oneOf(ESCALATION_DECISIONS)),
});

/** The kinds of timeline entry (domain/journey.ts's TimelineEntrySchema reads them from here). */
export const TIMELINE_ENTRY_KINDS = ['stage', 'tracking', 'escalation', 'note'] as const;

const TIMELINE_ENTRY = object({
  at: text(),
  kind: oneOf(TIMELINE_ENTRY_KINDS),
  label: text(),
  detail: optional(text()),
  location: optional(text()),
});

/** v1's `shipmentUpdated`: a v1 shipment sends its order its whole view (domain/journey.ts's ShipmentViewSchema). */
export const SHIPMENT_VIEW = shapeOf<ShipmentView>(
  object({
    shipmentId: text(),
    workflowId: text(),
    warehouseCode: text(),
    stage: oneOf(SHIPMENT_STAGES),
    lines: listOf(object({ orderLineId: text(), skuCode: text(), quantity: integer({ min: 1 }) })),
    carrierCode: optional(text()),
    serviceCode: optional(text()),
    trackingNumber: optional(text()),
    trackingStatus: optional(oneOf(TRACKING_STATUSES)),
    estimatedDeliveryAt: optional(text()),
    promisedBy: text(),
    promiseMiss: boolean,
    packagingCostCents: integer(),
    shippingCostCents: integer(),
    lastScanAt: optional(text()),
    labelAttempt: integer(),
    escalations: listOf(ESCALATION_VIEW),
    timeline: listOf(TIMELINE_ENTRY),
    replaces: optional(text()),
    replacedBy: optional(listOf(text())),
  }),
);

const milestone = (fields: Record<string, Check>): Check => object({ shipmentId: text({ min: 1 }), ...fields });

/**
 * A carrier's code and a tracking number as a label carries them (domain/carrier.ts): the order publishes a dispatched
 * parcel's carrier as its Carrier search attribute, and Temporal terminated the order whose value passed 2 KiB (a
 * `dispatched` typed with the CLI), leaving its row `fulfilling` for ever.
 */
const CARRIER_CODE = matching(CARRIER_CODE_PATTERN, 'a carrier code such as "swiftpost"');
const TRACKING_NUMBER = text({ min: 1, max: 64 });

/** What a shipment tells its order (domain/milestones.ts): the kind, and the fields that kind carries. */
export const SHIPMENT_MILESTONE_SIGNAL = shapeOf<ShipmentMilestone>(
  variants('kind', {
    booked: milestone({ carrierCode: CARRIER_CODE, trackingNumber: TRACKING_NUMBER, estimatedDeliveryAt: text(), promiseMiss: boolean }),
    dispatched: milestone({ carrierCode: CARRIER_CODE, trackingNumber: TRACKING_NUMBER }),
    out_for_delivery: milestone({}),
    delivered: milestone({}),
    escalated: milestone({ escalation: ESCALATION_VIEW }),
    escalation_closed: milestone({ escalation: ESCALATION_VIEW }),
    ended: milestone({ stage: oneOf(FINAL_SHIPMENT_STAGES) }),
    // Storable dates only: the order publishes the new date as its PromisedBy search attribute, which Temporal refuses
    // past year 9999 (a date typed with the CLI at `9999-12-31T23:59:59-14:00` failed the order's workflow task for ever).
    repromised: milestone({ previousPromisedBy: storableDateTime, promisedBy: storableDateTime, reason: text(), wording: text() }),
    address_answered: milestone({ taken: boolean }),
  }),
);

/** What the `inspect` update of a return takes (workflows/returns/definitions.ts; the API's body is ReturnInspectionSchema). */
export const RETURN_INSPECTION = shapeOf<{
  lines: { lineNo: number; restock: number; writeOff: number }[];
  inspectedBy: string;
  note?: string;
}>(
  object({
    lines: listOf(object({ lineNo: integer({ min: 1 }), restock: integer({ min: 0 }), writeOff: integer({ min: 0 }) }), {
      min: 1,
      max: MAX_RETURN_LINES,
    }),
    inspectedBy: text({ min: 1, trimmed: true }),
    note: optional(text({ max: 1000, trimmed: true, printed: 'note' })),
  }),
);
