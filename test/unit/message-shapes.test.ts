import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CancelOrderRequestSchema,
  ChangeAddressRequestSchema,
  ResolveEscalationRequestSchema,
  RestockedSignalSchema,
  ShipmentViewSchema,
  TrackingEventsSignalSchema,
} from '../../domain/journey';
import {
  ADDRESS,
  CANCEL_ORDER_REQUEST,
  CANCEL_SHIPMENT_SIGNAL,
  CHANGE_ADDRESS_REQUEST,
  dateTime,
  RESOLVE_ESCALATION_REQUEST,
  RESTOCKED_SIGNAL,
  RETURN_INSPECTION,
  scanDatedAhead,
  scanDatedLongAgo,
  type Shape,
  SHIPMENT_MILESTONE_SIGNAL,
  SHIPMENT_VIEW,
  TRACKING_EVENTS_SIGNAL,
  WAREHOUSE_AVAILABILITY_SIGNAL,
} from '../../domain/message-shapes';
import { isCountryCode } from '../../domain/countries';
import { boundedMilestone, type ShipmentMilestone } from '../../domain/milestones';
import { AddressSchema } from '../../domain/order';
import { ReturnInspectionSchema } from '../../domain/returns';
import { plannedShipmentView } from '../../domain/views';
import { HISTORIES_ROOT } from '../workflows/history-files';
import { decodedPayload } from '../support/temporal';

/**
 * The workflows check every signal and update against these zod-free shapes; the API checks the same
 * messages with zod first. A shape looser than its schema would let the CLI send what the API never could,
 * a stricter one would refuse what the API sends: generated hostile variations of valid messages must get
 * the same verdict from both.
 */

const PERSON = 'Camille Martin';

/** The limits the messages' fields have: text one character either side of each, with spaces around or not. */
const LENGTHS = [
  0, 1, 2, 19, 20, 21, 31, 32, 33, 39, 40, 41, 63, 64, 65, 99, 100, 101, 119, 120, 121, 127, 128, 129, 199, 200, 201, 499, 500, 501, 999,
  1000, 1001,
];

/** Values a hostile sender tries: wrong types, blanks, limits ± 1, dates that are not, a name to leak. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.anything(), weight: 1 },
  { arbitrary: fc.constantFrom(undefined, null, '', ' ', 0, -1, 1.5, Number.NaN, true, 'false', [], {}, PERSON), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...LENGTHS), fc.constantFrom('', ' ', '  '), fc.constantFrom('x', 'a', 'A', '1'))
      .map(([length, pad, c]) => `${pad}${c.repeat(length)}${pad}`),
    weight: 4,
  },
  {
    // Free text that does not print as it reads (domain/human-text.ts), and the line breaks a note may hold.
    arbitrary: fc
      .tuple(
        fc.constantFrom('\n', '\r\n', '\t', '\r', '\u202E', '\u2066', '\u200B', '\u2028', '\u0085', '\u00AD', '\uFEFF', '\u200D', 'é'),
        fc.constantFrom('', ' ', '\n'),
      )
      .map(([odd, pad]) => `${pad}carrier${odd}called${pad}`),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: -2, max: 3 }), weight: 2 },
  { arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '2026-02-29T10:00:00Z',
      '2028-02-29T10:00:00Z',
      '2026-11-30T10:00Z',
      '2026-11-30T10:00:00+01:00',
      '2026-11-30 10:00:00Z',
      'yesterday',
      'FR',
      'fr',
      'FRA',
      'ZZ',
      'webhook',
      'poll',
      'shipengine',
      'swiftpost',
      'Swiftpost',
      's',
      'wait',
      'teleport',
    ),
    weight: 2,
  },
);

type Path = (string | number)[];
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (typeof value === 'object' && value !== null)
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return [prefix];
}

function replaced(value: unknown, path: Path, by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  if (rest.length === 0 && by === undefined && !Array.isArray(value)) delete copy[head as string];
  else copy[head as string] = replaced(copy[head as string], rest, by);
  return copy;
}

const leaves = (value: unknown) => pathsOf(value).filter((path) => path.length > 0);

/** A valid message with one field (mostly), or up to three, replaced by hostile values or taken away, or an extra one. */
function nearly(valid: readonly unknown[]): fc.Arbitrary<unknown> {
  const edit = (message: unknown, [pick, by, extra]: [number, unknown, boolean]) => {
    const paths = leaves(message);
    const path = paths[pick % Math.max(1, paths.length)] ?? [];
    return replaced(message, extra && path.length > 0 ? [...path.slice(0, -1), 'unexpected'] : path, by);
  };
  const edits = (max: number) => fc.array(fc.tuple(fc.nat(), hostileValue, fc.boolean()), { minLength: 1, maxLength: max });
  return fc
    .constantFrom(...valid)
    .chain((base) =>
      fc.oneof(
        { arbitrary: fc.constant(base), weight: 1 },
        { arbitrary: edits(1).map((one) => one.reduce(edit, base)), weight: 8 },
        { arbitrary: edits(3).map((some) => some.reduce(edit, base)), weight: 2 },
        { arbitrary: hostileValue, weight: 1 },
      ),
    );
}

const accepts = (shape: Shape<unknown>, value: unknown) => shape(value, '') === undefined;

const ADDRESSES = [
  { name: PERSON, line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
  { name: ' Camille ', line1: 'x', line2: '', city: 'Bordeaux', region: 'Gironde', postalCode: '33000', countryCode: 'FR', phone: '+33 6' },
];
const SCAN = {
  carrierCode: 'swiftpost',
  eventId: 'evt-1',
  trackingNumber: 'SP123',
  statusCode: 'IN_TRANSIT',
  occurredAt: '2026-11-30T10:00:00.000Z',
};
const SCAN_BATCHES = [
  { source: 'webhook', events: [SCAN], stored: true },
  { source: 'poll', events: [] },
  {
    source: 'webhook',
    events: [{ ...SCAN, vocabulary: 'shipengine', detail: 'hub', location: 'Lyon', occurredAt: '2026-11-30T11:00:00+01:00' }, SCAN],
  },
];
const ANSWERS = [
  { escalationId: 'esc-1', decision: 'wait', resolvedBy: 'ops' },
  { escalationId: 'esc-1', decision: 'reship', resolvedBy: ' night shift ', note: 'carrier called' },
];
const INSPECTIONS = [
  { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }], note: 'ok' },
  {
    lines: [
      { lineNo: 1, restock: 0, writeOff: 2 },
      { lineNo: 2, restock: 3, writeOff: 0 },
    ],
  },
];

const PLANNED = plannedShipmentView({
  shipmentId: 'ORD-1-S1',
  workflowId: 'shipment-ORD-1-S1',
  warehouseCode: 'LYS1',
  lines: [{ orderLineId: 'ORD-1-L1', skuCode: 'MUG-CER-350', quantity: 2 }],
  promisedBy: '2026-12-03T10:00:00.000Z',
});
const SHIPMENT_VIEWS = [
  PLANNED,
  {
    ...PLANNED,
    stage: 'in_transit',
    carrierCode: 'swiftpost',
    serviceCode: 'sp-standard',
    trackingNumber: 'SP1',
    trackingStatus: 'in_transit',
    estimatedDeliveryAt: '2026-12-02T10:00:00.000Z',
    lastScanAt: '2026-12-01T10:00:00.000Z',
    labelAttempt: 1,
    escalations: [{ escalationId: 'esc-1', reason: 'stuck', severity: 'medium', detail: 'no scan', openedAt: '2026-11-30T10:00:00.000Z' }],
    timeline: [{ at: '2026-11-30T10:00:00.000Z', kind: 'tracking', label: 'in transit', detail: 'hub', location: 'Lyon' }],
    replacedBy: ['ORD-1-S2'],
  },
];

/** The shape and the API's zod schema, on the same generated values. */
const PAIRS: { message: string; shape: Shape<unknown>; schema: z.ZodType; valid: unknown[]; runs?: number }[] = [
  { message: 'an address (addressChanged)', shape: ADDRESS, schema: AddressSchema, valid: ADDRESSES },
  {
    message: 'changeAddress',
    shape: CHANGE_ADDRESS_REQUEST,
    // An address given now must name a country that exists, as the API's rules ask (domain/order-rules.ts): two
    // capitals that are none ("ZZ") pass the schema's pattern, not the shape.
    schema: ChangeAddressRequestSchema.refine((change) => isCountryCode(change.shipTo.countryCode)),
    valid: ADDRESSES.map((shipTo) => ({ shipTo })),
  },
  {
    message: 'cancel',
    shape: CANCEL_ORDER_REQUEST,
    schema: CancelOrderRequestSchema,
    valid: [{ reason: 'customer changed their mind' }, { reason: ' x ' }],
  },
  {
    message: 'restocked',
    shape: RESTOCKED_SIGNAL,
    schema: RestockedSignalSchema,
    valid: [{ warehouseCode: 'LYS1', skuCode: 'MUG-CER-350' }],
  },
  {
    message: 'trackingEvents / returnScans',
    shape: TRACKING_EVENTS_SIGNAL,
    schema: TrackingEventsSignalSchema,
    valid: SCAN_BATCHES,
    runs: 1500,
  },
  {
    message: "v1's shipmentUpdated (a shipment's view)",
    shape: SHIPMENT_VIEW,
    schema: ShipmentViewSchema,
    valid: SHIPMENT_VIEWS,
    runs: 4000,
  },
  // zod defaults `resolvedBy` (the API always fills it in with the key's name); the workflow requires it.
  {
    message: 'resolveEscalation',
    shape: RESOLVE_ESCALATION_REQUEST,
    schema: ResolveEscalationRequestSchema.extend({ resolvedBy: ResolveEscalationRequestSchema.shape.resolvedBy.unwrap() }),
    valid: ANSWERS,
  },
  // The API's body plus who inspected (the calling key's name, never a body field); extra fields let through as everywhere.
  {
    message: 'inspect',
    shape: RETURN_INSPECTION,
    schema: ReturnInspectionSchema.extend({ inspectedBy: z.string().trim().min(1) }).loose(),
    valid: INSPECTIONS.map((i) => ({ ...i, inspectedBy: 'warehouse-key' })),
  },
];

describe('the message shapes the workflows check without zod', () => {
  for (const { message, shape, schema, valid, runs } of PAIRS) {
    it(`accept exactly what the API's zod schema accepts: ${message}`, () => {
      for (const v of valid) expect(shape(v, ''), JSON.stringify(v)).toBeUndefined();
      fc.assert(
        fc.property(nearly(valid), (value) => {
          expect(accepts(shape, value), JSON.stringify(value)).toBe(schema.safeParse(value).success);
        }),
        { numRuns: runs ?? 2500 },
      );
    });
  }

  it('read dates and times as zod.iso.datetime({ offset: true }) does: seconds and a zone, real calendar days', () => {
    const zod = z.iso.datetime({ offset: true });
    const dateLike = fc.oneof(
      fc
        .date({ noInvalidDate: true, min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') })
        .map((d) => d.toISOString()),
      fc
        .tuple(
          fc.integer({ min: 0, max: 9999 }),
          fc.integer({ min: 0, max: 13 }),
          fc.integer({ min: 0, max: 32 }),
          fc.integer({ min: 0, max: 25 }),
          fc.constantFrom('Z', '+01:00', '-23:59', '+24:00', '', 'z', '+0100'),
          fc.constantFrom(':00', ':59', ':60', '', ':00.1', ':00.123456'),
        )
        .map(
          ([y, mo, d, h, zone, s]) =>
            `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:30${s}${zone}`,
        ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(dateLike, (value) => {
        expect(dateTime(value, 'at') === undefined, value).toBe(zod.safeParse(value).success);
      }),
      { numRuns: 3000 },
    );
  });

  it("refuse, as the carrier webhook's schema does, a scan dated where PostgreSQL stores no instant (before year 1, after 9999 in UTC)", () => {
    const SCAN_AT = (occurredAt: string) => ({ source: 'webhook', events: [{ ...SCAN, occurredAt }] });
    for (const occurredAt of ['0000-06-01T00:00:00Z', '0001-01-01T00:00:00+23:59', '9999-12-31T23:59:59-23:59']) {
      expect(TRACKING_EVENTS_SIGNAL(SCAN_AT(occurredAt), ''), occurredAt).toMatch(/^events\.0\.occurredAt: /);
      expect(TrackingEventsSignalSchema.safeParse(SCAN_AT(occurredAt)).success, occurredAt).toBe(false);
    }
    for (const occurredAt of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      expect(TRACKING_EVENTS_SIGNAL(SCAN_AT(occurredAt), ''), occurredAt).toBeUndefined();
      expect(TrackingEventsSignalSchema.safeParse(SCAN_AT(occurredAt)).success, occurredAt).toBe(true);
    }
  });

  it('refuse text with a NUL character, which PostgreSQL cannot store and the API refuses before zod reads a body', () => {
    expect(TRACKING_EVENTS_SIGNAL({ source: 'webhook', events: [{ ...SCAN, detail: 'hub\u0000' }] }, '')).toBe(
      'events.0.detail: expected text without a NUL character (U+0000)',
    );
    expect(CHANGE_ADDRESS_REQUEST({ shipTo: { ...ADDRESSES[0], name: 'C\u0000amille' } }, '')).toMatch(/^shipTo\.name: .*NUL/);
    expect(CANCEL_ORDER_REQUEST({ reason: '\u0000' }, '')).toMatch(/^reason: .*NUL/);
    expect(RETURN_INSPECTION({ lines: [{ lineNo: 1, restock: 1, writeOff: 0 }], inspectedBy: 'w', note: '\u0000' }, '')).toMatch(
      /^note: .*NUL/,
    );
    // Tabs and line breaks stay text, as in a JSON body.
    expect(CANCEL_ORDER_REQUEST({ reason: 'two\nlines\tand a tab' }, '')).toBeUndefined();
  });

  /** A scan batch dated as given, judged at `now` (the workflow's clock). */
  const now = Date.parse('2026-11-30T10:00:00Z');
  const batch = (...dates: string[]) => ({ source: 'webhook' as const, events: dates.map((occurredAt) => ({ ...SCAN, occurredAt })) });

  it('find a scan dated more than a day after the workflow clock, naming it; a day ahead and the past pass', () => {
    expect(scanDatedAhead(batch('2026-11-30T09:00:00Z', '9999-12-31T23:00:00Z'), now)).toBe(
      "events.1.occurredAt: expected a date and time at most a day after the workflow's clock",
    );
    expect(scanDatedAhead(batch('2026-12-01T10:00:01Z'), now)).toMatch(/^events\.0\.occurredAt/);
    expect(scanDatedAhead(batch('2026-12-01T10:00:00Z', '0001-01-01T00:00:00Z'), now)).toBeUndefined();
  });

  it('find a scan dated more than 180 days before the workflow clock, naming it; 180 days back and the future pass', () => {
    expect(scanDatedLongAgo(batch('2026-11-30T09:00:00Z', '0001-01-01T00:00:00Z'), now)).toBe(
      "events.1.occurredAt: expected a date and time at most 180 days before the workflow's clock",
    );
    expect(scanDatedLongAgo(batch('2026-06-03T09:59:59Z'), now)).toMatch(/^events\.0\.occurredAt/);
    expect(scanDatedLongAgo(batch('2026-06-03T10:00:00Z', '9999-12-31T23:00:00Z'), now)).toBeUndefined();
  });

  it('name the field at fault and never echo what was sent (a name or an address must not reach a log)', () => {
    expect(CANCEL_ORDER_REQUEST(undefined, '')).toBe('the message: expected an object, got undefined');
    expect(CANCEL_ORDER_REQUEST({ reason: 42 }, '')).toBe('reason: expected text, got number');
    expect(CHANGE_ADDRESS_REQUEST({ shipTo: { ...ADDRESSES[0], city: '  ' } }, '')).toMatch(
      /^shipTo\.city: expected text of 1 to 100 characters/,
    );
    expect(TRACKING_EVENTS_SIGNAL({ source: 'webhook', events: [{ ...SCAN, occurredAt: 'yesterday' }] }, '')).toMatch(
      /^events\.0\.occurredAt: /,
    );
    expect(RETURN_INSPECTION({ lines: [{ lineNo: 1, restock: -1, writeOff: 2 }], inspectedBy: 'w' }, '')).toBe(
      'lines.0.restock: expected a whole number ≥ 0',
    );
    expect(RESOLVE_ESCALATION_REQUEST({ escalationId: 'e', decision: 'teleport', resolvedBy: 'ops' }, '')).toMatch(
      /^decision: expected one of "wait"/,
    );
    const shapes = [...PAIRS.map((p) => p.shape), CANCEL_SHIPMENT_SIGNAL, WAREHOUSE_AVAILABILITY_SIGNAL, SHIPMENT_MILESTONE_SIGNAL];
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        nearly([...ADDRESSES, ...SCAN_BATCHES, ...ANSWERS, ...INSPECTIONS, ...SHIPMENT_VIEWS]),
        (shape, value) => {
          expect(shape(value, '') ?? '').not.toContain('Camille');
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('take the signals the workflows send each other, and refuse them broken', () => {
    const escalation = {
      escalationId: 'esc-1',
      reason: 'stuck',
      severity: 'medium',
      detail: 'no scan',
      openedAt: '2026-11-30T10:00:00.000Z',
    };
    const milestones = [
      { kind: 'dispatched', shipmentId: 'ORD-1-S1', carrierCode: 'swiftpost', trackingNumber: 'SP1' },
      { kind: 'escalated', shipmentId: 'ORD-1-S1', escalation },
      {
        kind: 'escalation_closed',
        shipmentId: 'ORD-1-S1',
        escalation: { ...escalation, decision: 'wait', resolvedAt: '2026-12-01T10:00:00.000Z' },
      },
      { kind: 'ended', shipmentId: 'ORD-1-S1', stage: 'delivered' },
      {
        kind: 'repromised',
        shipmentId: 'ORD-1-S1',
        previousPromisedBy: '2026-12-01T10:00:00.000Z',
        promisedBy: '2026-12-03T10:00:00.000Z',
        reason: 'stall',
        wording: 'held up',
      },
      { kind: 'address_answered', shipmentId: 'ORD-1-S1', taken: false },
    ];
    for (const m of milestones) expect(SHIPMENT_MILESTONE_SIGNAL(m, '')).toBeUndefined();
    expect(SHIPMENT_MILESTONE_SIGNAL(undefined, '')).toBe(
      'kind: expected one of "booked", "dispatched", "out_for_delivery", "delivered", "escalated", "escalation_closed", "ended", "repromised", "address_answered"',
    );
    expect(SHIPMENT_MILESTONE_SIGNAL({ kind: 'address_answered', shipmentId: 'ORD-1-S1', taken: 'no' }, '')).toBe(
      'taken: expected true or false',
    );
    expect(SHIPMENT_MILESTONE_SIGNAL({ kind: 'escalated', shipmentId: 'ORD-1-S1' }, '')).toBe(
      'escalation: expected an object, got undefined',
    );
    expect(SHIPMENT_MILESTONE_SIGNAL({ ...milestones[4], promisedBy: 'soon' }, '')).toMatch(/^promisedBy: expected a date/);
    // Year 10000 in UTC: the order's PromisedBy search attribute would fail every workflow task that publishes it.
    expect(SHIPMENT_MILESTONE_SIGNAL({ ...milestones[4], promisedBy: '9999-12-31T23:59:59-14:00' }, '')).toBe(
      'promisedBy: expected a date and time in the years 0001 to 9999 (UTC)',
    );
    expect(SHIPMENT_MILESTONE_SIGNAL({ ...milestones[4], promisedBy: '9999-12-31T23:59:59Z' }, '')).toBeUndefined();
    // A carrier code Temporal cannot index (over 2 KiB): the server terminated the order at its next upsert.
    expect(SHIPMENT_MILESTONE_SIGNAL({ ...milestones[0], carrierCode: 'x'.repeat(3000) }, '')).toBe(
      'carrierCode: expected a carrier code such as "swiftpost"',
    );
    expect(SHIPMENT_MILESTONE_SIGNAL({ ...milestones[0], trackingNumber: 'X'.repeat(65) }, '')).toBe(
      'trackingNumber: expected text of 1 to 64 characters',
    );
    expect(CANCEL_SHIPMENT_SIGNAL({ reason: 'nothing in stock: MUG-CER-350 short by 2' }, '')).toBeUndefined();
    expect(CANCEL_SHIPMENT_SIGNAL({ reason: '' }, '')).toMatch(/^reason: /);
    expect(WAREHOUSE_AVAILABILITY_SIGNAL({ warehouseCode: 'LYS1', down: true, reason: 'flood' }, '')).toBeUndefined();
    expect(WAREHOUSE_AVAILABILITY_SIGNAL({ warehouseCode: 'LYS1', down: 'no' }, '')).toBe('down: expected true or false');
  });
});

/** Which shape guards each message a recorded workflow received (the relays' `wake` carries nothing). */
const GUARDED: Record<string, Shape<unknown> | undefined> = {
  trackingEvents: TRACKING_EVENTS_SIGNAL,
  returnScans: TRACKING_EVENTS_SIGNAL,
  addressChanged: ADDRESS,
  cancelShipment: CANCEL_SHIPMENT_SIGNAL,
  warehouseAvailability: WAREHOUSE_AVAILABILITY_SIGNAL,
  restocked: RESTOCKED_SIGNAL,
  shipmentMilestone: SHIPMENT_MILESTONE_SIGNAL,
  shipmentUpdated: SHIPMENT_VIEW,
  cancel: CANCEL_ORDER_REQUEST,
  changeAddress: CHANGE_ADDRESS_REQUEST,
  resolveEscalation: RESOLVE_ESCALATION_REQUEST,
  inspect: RETURN_INSPECTION,
};

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}
const payloadOf = (p: JsonPayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

describe('the recorded histories', () => {
  it('hold only messages with their shape: the guards drop or refuse nothing a recorded workflow took, so none replays differently', async () => {
    const seen: Record<string, number> = {};
    const pastBounds = new Set<string>();
    for (const generation of readdirSync(HISTORIES_ROOT)) {
      for (const file of readdirSync(`${HISTORIES_ROOT}${generation}`).filter((f) => f.endsWith('.json'))) {
        const history = JSON.parse(readFileSync(`${HISTORIES_ROOT}${generation}/${file}`, 'utf8')) as { events: Record<string, unknown>[] };
        for (const event of history.events) {
          const signal = event.workflowExecutionSignaledEventAttributes as
            | { signalName: string; input?: { payloads?: JsonPayload[] } }
            | undefined;
          const update = event.workflowExecutionUpdateAcceptedEventAttributes as
            | { acceptedRequest: { input: { name: string; args?: { payloads?: JsonPayload[] } } } }
            | undefined;
          const name = signal?.signalName ?? update?.acceptedRequest.input.name;
          const payloads = signal?.input?.payloads ?? update?.acceptedRequest.input.args?.payloads ?? [];
          const shape = name === undefined ? undefined : GUARDED[name];
          if (!name || !shape) continue;
          const value = payloads[0] ? await decodedPayload(payloadOf(payloads[0]) as never) : undefined;
          expect(shape(value, ''), `${generation}/${file}: ${name}`).toBeUndefined();
          // Past the bounds an order keeps (domain/milestones.ts) only where sent so by hand: no milestone our shipments sent.
          if (name === 'shipmentMilestone' && boundedMilestone(value as ShipmentMilestone) !== undefined)
            pastBounds.add(`${generation}/${file}`);
          seen[name] = (seen[name] ?? 0) + 1;
        }
      }
    }
    expect(Object.keys(seen).sort()).toEqual([
      'addressChanged',
      'cancel',
      'cancelShipment',
      'changeAddress',
      'inspect',
      'resolveEscalation',
      'restocked',
      'shipmentMilestone',
      'shipmentUpdated',
      'trackingEvents',
      'warehouseAvailability',
    ]);
    expect([...pastBounds].sort()).toEqual(['v3/milestone-text-bounded.order.json', 'v3/milestone-text-taken-whole-before.order.json']);
  });
});
