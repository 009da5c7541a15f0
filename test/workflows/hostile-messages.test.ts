import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal as proto } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../domain/clock';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { ids, TASK_QUEUES } from '../../domain/ids';
import { MILESTONE_TEXT_MAX_CHARS } from '../../domain/milestones';
import { orderStatusQuery } from '../../workflows/definitions';
import { returnStatusQuery } from '../../workflows/returns/definitions';
import { DEFAULT_ORDER } from '../support/journey';
import { KEYS, journeyApi, newKey, requestsAs } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { testDataConverter } from '../support/temporal';
import { fillWarehouseForAWeek, firstShipmentId, NEW_ADDRESS, orderView, shipmentView, until, untilShipmentStage } from './steps';

const run = promisify(execFile);

/**
 * Ops steer orders with the `temporal` CLI and the Web UI, which send whatever is typed: no zod on that
 * road. Each malformed message here once failed a workflow task for ever (a signal handler that throws is
 * replayed by every retry), parked a local activity in endless retries, or was taken at its word (a
 * `down: "no"` moved a shipment, a reason of 42 cancelled one). Sent with the real CLI, as plain JSON (it
 * has no key to seal payloads), the signals must be dropped without a failed workflow task and the
 * updates refused with the field at fault; then the same workflows still do what valid messages ask.
 */
let journey: Journey;
let api: FastifyInstance;
let codecEndpoint = '';

beforeAll(async () => {
  journey = await startJourney();
  // The CLI reads refusals through the API's codec endpoint (failure messages are sealed), as ops do.
  api = await journeyApi(journey, { workflowCallTimeoutMs: 20_000 });
  await api.listen({ host: '127.0.0.1', port: 0 });
  codecEndpoint = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/codec`;
});
afterAll(async () => {
  await api?.close();
  await journey?.teardown();
});

const as = requestsAs(() => api);

/** `sealed: false` sends the payload as typed, without the codec endpoint: the worker meets it as the server holds it. */
async function temporal(args: string[], { sealed = true } = {}): Promise<{ ok: boolean; output: string }> {
  const connection = ['--address', journey.env.address, '--namespace', 'default'];
  const codec = sealed ? ['--codec-endpoint', codecEndpoint, '--codec-auth', `Bearer ${KEYS.ops.key}`] : [];
  try {
    const { stdout, stderr } = await run(inject('temporalCliPath'), [...args, ...connection, ...codec], { timeout: 30_000 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
  }
}

const input = (json: string | undefined) => (json === undefined ? [] : ['--input', json]);

async function signal(workflowId: string, name: string, json?: string): Promise<void> {
  const sent = await temporal(['workflow', 'signal', '--workflow-id', workflowId, '--name', name, ...input(json)]);
  expect(sent.ok, sent.output).toBe(true);
}

/** An update the CLI must be refused, with the reason it prints. */
async function refused(workflowId: string, name: string, json?: string): Promise<string> {
  const answer = await temporal(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', name, ...input(json)]);
  expect(answer.ok, answer.output).toBe(false);
  return answer.output;
}

/** A well-formed cancel from the CLI, as ops type it: it must be taken. */
async function cancelFromTheCli(workflowId: string): Promise<void> {
  const cancelled = await temporal([
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    workflowId,
    '--name',
    'cancel',
    '--input',
    '{"reason": "ops, from the CLI"}',
  ]);
  expect(cancelled.ok, cancelled.output).toBe(true);
}

const historyOf = async (workflowId: string) => (await journey.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
const { EventType } = proto.api.enums.v1;
const busy = (type: unknown) =>
  type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED;

/**
 * Waits, in real time (the clock stays put), until the workflow has taken everything sent (no workflow task
 * scheduled or running: a failed one ends the history until its retry succeeds), then counts its failed tasks.
 */
async function failedTasksOnceSettled(workflowId: string): Promise<number> {
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    const events = await historyOf(workflowId);
    const last = events.at(-1);
    if (last && !busy(last.eventType))
      return events.filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
    if (Date.now() > giveUpAt) throw new Error(`${workflowId} still has a workflow task pending after 30 s: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `type` with `json` as its input, as `temporal workflow start` does; answers the run's failure message. */
async function startedByHand(
  type: string,
  json: string,
  workflowId = `by-hand-${newKey(type)}`,
  encoding?: string,
): Promise<{ workflowId: string; failure: string }> {
  const started = await temporal([
    'workflow',
    'start',
    '--type',
    type,
    '--task-queue',
    TASK_QUEUES.orders,
    '--workflow-id',
    workflowId,
    '--input',
    json,
    ...(encoding === undefined ? [] : ['--input-meta', `encoding=${encoding}`]),
  ]);
  expect(started.ok, started.output).toBe(true);
  const ended = await temporal(['workflow', 'result', '--workflow-id', workflowId]);
  expect(ended.output).toMatch(/Status\s+FAILED/);
  // The failure's message is sealed like every payload: read through the client, which holds the key.
  // Read from its history, not with `result()`: the time-skipping client lets the clock run while it waits for a result,
  // and a journey a test holds at a pick slot a week ahead would be picked meanwhile.
  const { events } = await journey.env.client.workflow.getHandle(workflowId).fetchHistory();
  const failed = events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
  const error = await decodeOptionalFailureToOptionalError(loadDataConverter(testDataConverter), failed);
  const messages: string[] = [];
  for (let at: unknown = error; at instanceof Error; at = at.cause) messages.push(at.message);
  return { workflowId, failure: error ? messages.join(': ') : 'completed' };
}

/** An order workflow's start input as intake writes it, for a workflow a test starts itself. */
const orderInput = (orderId: string, nowMs: number) => ({
  orderId,
  idempotencyKey: `test-${orderId}`,
  requestHash: orderId,
  receivedAt: new Date(nowMs).toISOString(),
  promisedBy: new Date(nowMs + 10 * DAY_MS).toISOString(),
  request: DEFAULT_ORDER,
  timeScale: 1,
});

describe('malformed messages from the temporal CLI', () => {
  it('an order waiting at its pick slot drops malformed signals, refuses malformed updates naming the field, then cancels from the CLI', async () => {
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const handle = await journey.placeOrder({ lines: [{ sku: 'CUTTING-BOARD-OAK', quantity: 1 }] });
      const shipmentId = firstShipmentId(handle);
      const shipmentWorkflowId = `shipment-${shipmentId}`;
      const before = await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot']);
      const orderBefore = await orderView(handle);

      await signal(shipmentWorkflowId, 'cancelShipment');
      await signal(shipmentWorkflowId, 'cancelShipment', '"x"');
      await signal(shipmentWorkflowId, 'cancelShipment', '{"reason": 42}');
      await signal(shipmentWorkflowId, 'addressChanged', '{}');
      await signal(shipmentWorkflowId, 'warehouseAvailability');
      await signal(shipmentWorkflowId, 'warehouseAvailability', '{"warehouseCode": "LYS1", "down": "no"}');
      await signal(shipmentWorkflowId, 'trackingEvents', '{}');
      await signal(handle.workflowId, 'shipmentMilestone');
      await signal(handle.workflowId, 'shipmentMilestone', JSON.stringify({ kind: 'escalated', shipmentId }));
      await signal(handle.workflowId, 'shipmentMilestone', JSON.stringify({ kind: 'repromised', shipmentId, promisedBy: 'soon' }));
      await signal(handle.workflowId, 'restocked', '42');

      expect(await refused(handle.workflowId, 'cancel', '{}')).toMatch(/cancel: reason: expected text, got undefined/);
      expect(await refused(handle.workflowId, 'cancel', '42')).toMatch(/cancel: the message: expected an object, got number/);
      expect(await refused(handle.workflowId, 'cancel', '{"reason": "   "}')).toMatch(
        /cancel: reason: expected text of 1 to 500 characters/,
      );
      expect(await refused(handle.workflowId, 'changeAddress', '{}')).toMatch(/changeAddress: shipTo: expected an object/);
      expect(await refused(handle.workflowId, 'changeAddress', '{"shipTo": {"name": "C", "line1": "3 quai", "city": "Bordeaux"}}')).toMatch(
        /changeAddress: shipTo.postalCode: expected text/,
      );
      // A country no address has (the API refuses it too; accepted here, it was booked nowhere: a no_carrier escalation).
      expect(await refused(handle.workflowId, 'changeAddress', JSON.stringify({ shipTo: { ...NEW_ADDRESS, countryCode: 'ZZ' } }))).toMatch(
        /changeAddress: shipTo.countryCode: expected an ISO 3166-1 alpha-2 country code such as "FR", not "ZZ"/,
      );
      expect(await refused(handle.workflowId, 'resolveEscalation', '{}')).toMatch(/resolveEscalation: escalationId: expected text/);
      expect(await refused(shipmentWorkflowId, 'resolveEscalation')).toMatch(/resolveEscalation: the message: expected an object/);

      expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
      expect(await failedTasksOnceSettled(handle.workflowId)).toBe(0);
      // Nothing moved: same stage, same warehouse, same promise and address; ops see what was ignored, and why.
      const after = await shipmentView(journey, shipmentId);
      expect(after).toMatchObject({ stage: 'waiting_for_pick_slot', warehouseCode: before.warehouseCode });
      const ignored = (timeline: { label: string; detail?: string }[]) =>
        timeline.filter((e) => e.label === 'message ignored').map((e) => e.detail);
      expect(ignored(after.timeline)).toEqual([
        'cancelShipment ignored: the message: expected an object, got undefined',
        'cancelShipment ignored: the message: expected an object, got string',
        'cancelShipment ignored: reason: expected text, got number',
        'addressChanged ignored: name: expected text, got undefined',
        'warehouseAvailability ignored: the message: expected an object, got undefined',
        'warehouseAvailability ignored: down: expected true or false',
        'trackingEvents ignored: source: expected one of "webhook", "poll"',
      ]);
      const order = await orderView(handle);
      expect(order).toMatchObject({ stage: orderBefore.stage, promisedBy: orderBefore.promisedBy, shipTo: orderBefore.shipTo });
      expect(ignored(order.timeline)).toHaveLength(4);

      // A well-formed cancel from the CLI still works: the CLI prints the cancelled order.
      await cancelFromTheCli(handle.workflowId);
      expect((await handle.result()).stage).toBe('cancelled');
      expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
    } finally {
      await reopen();
    }
  });

  it('a parcel on its way drops malformed scans (a "delivered" dated "yesterday" too) and answers, its order completes, and its return refuses a malformed inspection and takes a good one', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    const shipmentWorkflowId = `shipment-${shipmentId}`;
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const scan = {
      carrierCode: carrier,
      eventId: 'cli-1',
      trackingNumber: booked.trackingNumber,
      statusCode: CARRIER_STATUS_CODES[carrier].delivered,
    };

    await signal(shipmentWorkflowId, 'trackingEvents');
    await signal(shipmentWorkflowId, 'trackingEvents', '{}');
    await signal(shipmentWorkflowId, 'trackingEvents', '{"source": "webhook", "events": "DELIVERED"}');
    await signal(
      shipmentWorkflowId,
      'trackingEvents',
      JSON.stringify({ source: 'webhook', events: [{ ...scan, occurredAt: 'yesterday' }] }),
    );
    expect(
      await refused(shipmentWorkflowId, 'resolveEscalation', '{"escalationId": "ESC-1", "decision": "teleport", "resolvedBy": "ops"}'),
    ).toMatch(/resolveEscalation: decision: expected one of "wait", "reship", "refund", "cancel", "ship_available"/);
    expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
    expect((await shipmentView(journey, shipmentId)).trackingStatus).toBe('label_created');

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['delivered']);
    expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);

    const started = await as(
      KEYS.ops,
      'POST',
      `/orders/${outcome.orderId}/returns`,
      { lines: [{ sku: 'MUG-CER-350', quantity: 2 }], reason: 'defective' },
      { 'idempotency-key': newKey('cli-return') },
    );
    expect(started.statusCode, started.body).toBe(202);
    const returnWorkflowId = `return-${started.json().returnId as string}`;
    const returnView = () => journey.env.client.workflow.getHandle(returnWorkflowId).query(returnStatusQuery);
    await until(journey, `${returnWorkflowId} with its label`, returnView, (v) => v.status !== 'requested', {
      stepMs: HOUR_MS,
      maxBusinessMs: DAY_MS,
    });

    // The same return started by hand under another id fails at its first step: one workflow follows a return.
    const beside = await startedByHand(
      'returnWorkflow',
      JSON.stringify({ returnId: started.json().returnId, orderId: outcome.orderId, timeScale: 1 }),
    );
    expect(beside.failure).toMatch(new RegExp(`return ${started.json().returnId} is run by ${returnWorkflowId} only, not by by-hand-`));

    await signal(returnWorkflowId, 'returnScans');
    await signal(returnWorkflowId, 'returnScans', '{"source": "poll", "events": [{}]}');
    const inspect = (lines: unknown[], extra: Record<string, unknown> = { inspectedBy: 'ops-cli' }) => JSON.stringify({ lines, ...extra });
    expect(await refused(returnWorkflowId, 'inspect', inspect([{ lineNo: 1, restock: -1, writeOff: 3 }]))).toMatch(
      /inspect: lines.0.restock: expected a whole number ≥ 0/,
    );
    expect(await refused(returnWorkflowId, 'inspect', inspect([{ lineNo: 1, restock: 1.5, writeOff: 0.5 }]))).toMatch(
      /inspect: lines.0.restock: expected a whole number/,
    );
    expect(await refused(returnWorkflowId, 'inspect', inspect([{ lineNo: 1, restock: 2, writeOff: 0 }], {}))).toMatch(
      /inspect: inspectedBy: expected text/,
    );
    // A line the return does not hold, or figures that do not add up: refused as a malformed message, not a plain Error.
    expect(await refused(returnWorkflowId, 'inspect', inspect([{ lineNo: 9, restock: 1, writeOff: 0 }]))).toMatch(
      /inspect: .*line 9.*\(type: MalformedMessage, retryable: false\)/,
    );
    expect(await failedTasksOnceSettled(returnWorkflowId)).toBe(0);
    expect((await returnView()).timeline.filter((e) => e.label === 'message ignored').map((e) => e.detail)).toEqual([
      'returnScans ignored: the message: expected an object, got undefined',
      'returnScans ignored: events.0.carrierCode: expected a carrier code such as "swiftpost"',
    ]);

    const inspected = await temporal([
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      returnWorkflowId,
      '--name',
      'inspect',
      '--input',
      inspect([{ lineNo: 1, restock: 2, writeOff: 0 }]),
    ]);
    expect(inspected.ok, inspected.output).toBe(true);
    const settled = await journey.env.client.workflow.getHandle(returnWorkflowId).result();
    expect(settled).toMatchObject({ status: 'completed' });
  });

  it('a scan with a NUL character (PostgreSQL stores none) or dated in year 9999 or year 1 is dropped, an update with one refused, naming the field; the parcel still delivers', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    const shipmentWorkflowId = `shipment-${shipmentId}`;
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const scan = {
      carrierCode: carrier,
      eventId: 'cli-nul-1',
      trackingNumber: booked.trackingNumber,
      statusCode: CARRIER_STATUS_CODES[carrier].in_transit,
      occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
    };
    const orderBefore = await orderView(handle);

    // Before, each was taken: the scan's write (a local activity) then failed on every retry, the shipment stood
    // still for ever; the address change and the cancel never answered.
    await signal(shipmentWorkflowId, 'trackingEvents', JSON.stringify({ source: 'webhook', events: [{ ...scan, detail: 'hub\u0000' }] }));
    await signal(shipmentWorkflowId, 'addressChanged', JSON.stringify({ ...NEW_ADDRESS, line1: '3 quai\u0000' }));
    // Before, taken as dated: the re-promise from it overflowed the calendar and its write was retried for ever.
    await signal(
      shipmentWorkflowId,
      'trackingEvents',
      JSON.stringify({ source: 'webhook', events: [{ ...scan, eventId: 'cli-ahead-1', occurredAt: '9999-12-31T23:00:00Z' }] }),
    );
    // Before, taken as dated: under a fast business clock the hand-over it dated overflowed the clock, the write failed
    // on every retry and the shipment heard nothing after it.
    await signal(
      shipmentWorkflowId,
      'trackingEvents',
      JSON.stringify({ source: 'webhook', events: [{ ...scan, eventId: 'cli-long-ago-1', occurredAt: '0001-01-01T00:00:00Z' }] }),
    );
    expect(await refused(handle.workflowId, 'changeAddress', JSON.stringify({ shipTo: { ...NEW_ADDRESS, name: 'C\u0000' } }))).toMatch(
      /changeAddress: shipTo.name: expected text without a NUL character/,
    );
    expect(await refused(handle.workflowId, 'cancel', '{"reason": "ops\\u0000"}')).toMatch(/cancel: reason: expected text without a NUL/);
    expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
    expect(await failedTasksOnceSettled(handle.workflowId)).toBe(0);
    const after = await shipmentView(journey, shipmentId);
    expect(after.timeline.filter((e) => e.label === 'message ignored').map((e) => e.detail)).toEqual([
      'trackingEvents ignored: events.0.detail: expected text without a NUL character (U+0000)',
      'addressChanged ignored: line1: expected text without a NUL character (U+0000)',
      "trackingEvents ignored: events.0.occurredAt: expected a date and time at most a day after the workflow's clock",
      "trackingEvents ignored: events.0.occurredAt: expected a date and time at most 180 days before the workflow's clock",
    ]);
    expect(after.trackingStatus).toBe('label_created');
    expect((await orderView(handle)).shipTo).toEqual(orderBefore.shipTo);

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['delivered']);
    expect(
      await journey.database.db.trackingEvent.count({ where: { carrierEventId: { in: ['cli-nul-1', 'cli-ahead-1', 'cli-long-ago-1'] } } }),
    ).toBe(0);
  });

  it('an order of the frozen v1 types, still run by every worker, drops malformed signals and refuses malformed updates too, then cancels', async () => {
    const orderId = `ORD-V1${newKey('h')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-10)
      .toUpperCase()}`;
    const now = await journey.env.currentTimeMs();
    const handle = await journey.env.client.workflow.start('orderWorkflow', {
      workflowId: ids.orderWorkflowId(orderId),
      taskQueue: TASK_QUEUES.orders,
      args: [orderInput(orderId, now)],
    });
    const shipmentWorkflowId = ids.shipmentWorkflowId(ids.shipmentId(orderId, 1));
    // In real time: the v1 order reserves and starts its shipment without a timer, and the clock stays put meanwhile.
    const started = () =>
      journey.env.client.workflow
        .getHandle(shipmentWorkflowId)
        .describe()
        .then(
          () => true,
          () => false,
        );
    for (let tries = 0; !(await started()); tries += 1) {
      if (tries > 300) throw new Error(`${orderId} started no shipment`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    await signal(shipmentWorkflowId, 'cancelShipment');
    await signal(shipmentWorkflowId, 'trackingEvents', '{"source": "webhook"}');
    await signal(shipmentWorkflowId, 'addressChanged', '"Bordeaux"');
    await signal(handle.workflowId, 'shipmentUpdated', '{}');
    await signal(handle.workflowId, 'restocked');
    expect(await refused(handle.workflowId, 'cancel', '{"reason": 42}')).toMatch(/cancel: reason: expected text, got number/);
    expect(await refused(handle.workflowId, 'changeAddress', '{"shipTo": null}')).toMatch(
      /changeAddress: shipTo: expected an object, got null/,
    );
    expect(await refused(shipmentWorkflowId, 'resolveEscalation', '{"escalationId": "E", "decision": "wait"}')).toMatch(
      /resolveEscalation: resolvedBy: expected text/,
    );
    expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
    expect(await failedTasksOnceSettled(handle.workflowId)).toBe(0);
    expect((await handle.query(orderStatusQuery)).timeline.filter((e) => e.label === 'message ignored')).toHaveLength(2);

    await cancelFromTheCli(handle.workflowId);
    expect(((await handle.result()) as { stage: string }).stage).toBe('cancelled');
  });
});

/** The ids of the patches whose markers a workflow's history holds, once per marker. */
async function patchMarkers(workflowId: string): Promise<string[]> {
  return (await historyOf(workflowId)).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
}

describe('payloads no workflow can read, from the temporal CLI', () => {
  /** A signal whose payload says how it is written (`--input-meta encoding=…`), as the CLI lets anyone type it. */
  async function signalWritten(workflowId: string, name: string, encoding: string, data: string, sealed = true): Promise<void> {
    const args = ['workflow', 'signal', '--workflow-id', workflowId, '--name', name, '--input-meta', `encoding=${encoding}`];
    const sent = await temporal([...args, '--input', data], { sealed });
    expect(sent.ok, sent.output).toBe(true);
  }

  it('an order and its shipment drop a signal in an encoding no Colis process writes or sealed under no key, refuse such an update, and still cancel from the CLI', async () => {
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const handle = await journey.placeOrder({ lines: [{ sku: 'CUTTING-BOARD-OAK', quantity: 1 }] });
      const shipmentId = firstShipmentId(handle);
      const shipmentWorkflowId = `shipment-${shipmentId}`;
      await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot']);

      // Each of these once failed the workflow task on every retry: the order or shipment stood still for ever.
      await signalWritten(handle.workflowId, 'restocked', 'foo/bar', '{"skuCodes": ["CUTTING-BOARD-OAK"]}');
      await signalWritten(shipmentWorkflowId, 'cancelShipment', 'json/protobuf', '{"reason": "ops"}');
      // Looks sealed, but names no key: the worker's codec cannot open it (sent past the codec endpoint, as the server keeps it).
      await signalWritten(handle.workflowId, 'restocked', 'binary/encrypted-z1', '"garbage that no key opens"', false);
      await signalWritten(shipmentWorkflowId, 'trackingEvents', 'binary/encrypted', '"garbage that no key opens"', false);
      const update = await temporal([
        'workflow',
        'update',
        'execute',
        '--workflow-id',
        handle.workflowId,
        '--name',
        'cancel',
        '--input-meta',
        'encoding=foo/bar',
        '--input',
        '{"reason": "ops"}',
      ]);
      expect(update.ok, update.output).toBe(false);
      expect(update.output).toMatch(/cancel: the message: unreadable \(an encoding no Colis process writes\)/);

      expect(await failedTasksOnceSettled(handle.workflowId)).toBe(0);
      expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
      const ignored = (timeline: { label: string; detail?: string }[]) =>
        timeline.filter((e) => e.label === 'message ignored').map((e) => e.detail);
      expect(ignored((await orderView(handle)).timeline)).toEqual([
        'restocked ignored: the message: unreadable (an encoding no Colis process writes)',
        'restocked ignored: the message: unreadable (sealed, but names no key)',
      ]);
      const shipment = await shipmentView(journey, shipmentId);
      expect(shipment.stage).toBe('waiting_for_pick_slot');
      expect(ignored(shipment.timeline)).toEqual([
        'cancelShipment ignored: the message: unreadable (an encoding no Colis process writes)',
        'trackingEvents ignored: the message: unreadable (sealed, but names no key)',
      ]);

      await cancelFromTheCli(handle.workflowId);
      expect((await handle.result()).stage).toBe('cancelled');
      expect(await failedTasksOnceSettled(shipmentWorkflowId)).toBe(0);
    } finally {
      await reopen();
    }
  });
});

describe('well-formed messages from the temporal CLI whose text runs to megabytes', () => {
  it("an order keeps a shipment milestone's text cut short, never through a surrogate pair, and goes on: before, it kept megabytes in its state and view", async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['label_created']);
    const before = await orderView(handle);
    // The milestones our shipments send: none past the bounds, none asked the patch.
    expect(await patchMarkers(handle.workflowId)).not.toContain('milestone-text-bounded');

    // An emoji is a surrogate pair: a cut at a fixed length would split one in two, half the time.
    const huge = (n: number) => `a${'😀'.repeat(n)}`;
    const escalationId = `ESC-CLI-${'i'.repeat(5_000)}`;
    const escalation = { escalationId, reason: 'stuck', severity: 'high', detail: huge(400_000), openedAt: new Date().toISOString() };
    const later = new Date(Date.parse(before.promisedBy) + 30 * DAY_MS).toISOString();
    const dir = await mkdtemp(join(tmpdir(), 'colis-milestone-'));
    try {
      // Each of the milestone's shape: the order took them whole. Too long for one argument: the CLI reads a file.
      const milestones = [
        { kind: 'escalated', shipmentId, escalation: { ...escalation, junk: 'j'.repeat(200_000) } },
        {
          kind: 'repromised',
          shipmentId,
          previousPromisedBy: before.promisedBy,
          promisedBy: `${later.slice(0, 19)}.${'1'.repeat(20_000)}Z`,
          reason: 'stall'.repeat(100_000),
          wording: huge(300_000),
        },
      ];
      for (const [i, milestone] of milestones.entries()) {
        const file = join(dir, `milestone-${i}.json`);
        await writeFile(file, JSON.stringify(milestone));
        const sent = await temporal([
          'workflow',
          'signal',
          '--workflow-id',
          handle.workflowId,
          '--name',
          'shipmentMilestone',
          '--input-file',
          file,
        ]);
        expect(sent.ok, sent.output).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await failedTasksOnceSettled(handle.workflowId)).toBe(0);

    const kept = async () => {
      const view = await orderView(handle);
      const cli = view.shipments[0]?.escalations.find((e) => e.escalationId.startsWith('ESC-CLI-'));
      return { view, cli, repromised: view.timeline.find((e) => e.label.startsWith('re-promised:')) };
    };
    const { view, cli, repromised } = await kept();
    // Kept, cut: the escalation (its id and detail, without the field no escalation has), the new date, its wording.
    expect(cli).toBeDefined();
    expect(Object.keys(cli ?? {}).sort()).toEqual(['detail', 'escalationId', 'openedAt', 'reason', 'severity']);
    expect(cli?.escalationId).toBe(`${escalationId.slice(0, MILESTONE_TEXT_MAX_CHARS - 1)}…`);
    expect(cli?.detail.length).toBeLessThanOrEqual(MILESTONE_TEXT_MAX_CHARS);
    expect(cli?.detail).toMatch(/^a😀+…$/u);
    expect(view.promisedBy).toBe(`${later.slice(0, 19)}.111Z`);
    expect(repromised?.detail?.length).toBeLessThanOrEqual(MILESTONE_TEXT_MAX_CHARS + 40);
    expect(repromised?.detail).toMatch(/^a😀+… \(was /u);
    // No lone surrogate anywhere (JSON escapes one as \udXXX), and the whole view far from the megabytes sent.
    const json = JSON.stringify(view);
    expect(json).not.toMatch(/\\ud[89a-f]/i);
    expect(json.length).toBeLessThan(50_000);
    // One marker, recorded by the first milestone past its bounds (a re-promise heard records its own).
    expect((await patchMarkers(handle.workflowId)).filter((id) => id === 'milestone-text-bounded')).toHaveLength(1);

    // The order goes on: its parcel delivers and it completes; read again from its history, it keeps the same.
    expect((await handle.result()).stage).toBe('completed');
    expect((await kept()).cli).toEqual(cli);
    expect((await kept()).view.promisedBy).toBe(view.promisedBy);
  });
});

describe('journeys started by hand from the temporal CLI', () => {
  it('an order, a shipment and a return started with a malformed input fail at once, naming the field, without a failed workflow task', async () => {
    const order = { ...DEFAULT_ORDER, customer: { id: 'CUST-HAND' } };
    const cases: [string, unknown, RegExp][] = [
      ['orderWorkflowV3', {}, /order workflow \(v3\): input\.orderId: expected text/],
      ['orderWorkflowV3', 'junk', /order workflow \(v3\): input: expected an object, got string/],
      [
        'orderWorkflowV3',
        { orderId: 'ORD-HAND-1', receivedAt: '2026-11-30T10:00:00Z', promisedBy: '2026-12-04T22:59:00Z', request: { ...order, lines: [] } },
        /input\.request\.lines: expected at least 1 entries/,
      ],
      [
        'orderWorkflowV2',
        { orderId: 'ORD-HAND-2', receivedAt: 'today' },
        /order workflow \(v2\): input\.receivedAt: expected a date and time/,
      ],
      [
        'shipmentWorkflowV3',
        { orderId: 'ORD-HAND-3', shipmentId: 'ORD-HAND-3-S1' },
        /shipment workflow \(v3\): input\.warehouseCode: expected text/,
      ],
      // The frozen v1 types, still registered for the orders they run: before, `{}` or `null` failed their first task for ever.
      ['orderWorkflow', null, /order workflow \(v1\): input: expected an object, got null/],
      ['shipmentWorkflow', {}, /shipment workflow \(v1\): input\.orderId: expected text/],
      [
        'returnWorkflow',
        { returnId: 'RET-HAND', orderId: 'ORD-HAND-4', timeScale: 0 },
        /return workflow: input\.timeScale: expected a number above 0/,
      ],
    ];
    for (const [type, input, why] of cases) {
      const { workflowId, failure } = await startedByHand(type, JSON.stringify(input));
      expect(failure, type).toMatch(why);
      expect((await journey.env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('FAILED');
      expect(await failedTasksOnceSettled(workflowId)).toBe(0);
    }
    // An input in an encoding we never write: before, reading it failed the first workflow task for ever.
    for (const [type, why] of [
      ['orderWorkflowV3', /order workflow \(v3\): input: unreadable \(an encoding no Colis process writes\)/],
      ['shipmentWorkflowV3', /shipment workflow \(v3\): input: unreadable/],
      ['returnWorkflow', /return workflow: input: unreadable/],
    ] as const) {
      const { workflowId, failure } = await startedByHand(type, '{"orderId": "ORD-HAND-5"}', undefined, 'foo/bar');
      expect(failure, type).toMatch(why);
      expect(await failedTasksOnceSettled(workflowId)).toBe(0);
    }
  });

  it('a workflow named like an order that Colis never took is no order to the API: 404 to read, cancel and re-address it', async () => {
    const orderId = `ORD-HANDNONE${Date.now().toString(36).toUpperCase()}`;
    const { failure } = await startedByHand('orderWorkflowV3', '{}', ids.orderWorkflowId(orderId));
    expect(failure).toMatch(/input\.orderId: expected text/);
    expect((await as(KEYS.ops, 'GET', `/orders/${orderId}`)).statusCode).toBe(404);
    expect((await as(KEYS.ops, 'POST', `/orders/${orderId}/cancel`, { reason: 'customer asked' })).statusCode).toBe(404);
    const address = await as(KEYS.ops, 'POST', `/orders/${orderId}/address`, { shipTo: DEFAULT_ORDER.shipTo });
    expect(address.statusCode, address.body).toBe(404);
  });

  it("an existing order's input started under another workflow id fails at its first step; started again under its own id once it was cancelled, it fails before reserving, and the order stays as it ended", async () => {
    // Held at its pick slot (LYS1 full for a week) so the CLI's cancel below always finds the parcel before the carrier.
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    const handle = await journey.placeOrder({ lines: [{ sku: 'CUTTING-BOARD-OAK', quantity: 1 }] });
    const orderId = handle.workflowId.replace(/^order-/, '');
    const db = journey.database.db;
    const footprint = async () => ({
      order: await db.order.findUnique({ where: { id: orderId }, select: { status: true, promisedBy: true } }),
      reservations: await db.reservation.findMany({ where: { orderId }, select: { id: true, status: true }, orderBy: { id: 'asc' } }),
      movements: await db.inventoryMovement.count({ where: { orderId } }),
      mails: await db.customerMail.count({ where: { orderId } }),
      webhooks: await db.webhookEvent.count({ where: { orderId } }),
      escalations: await db.escalation.count({ where: { orderId } }),
      stages: await db.stageTiming.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
    });
    const now = await journey.env.currentTimeMs();
    const sameOrder = JSON.stringify(orderInput(orderId, now));
    try {
      await untilShipmentStage(journey, firstShipmentId(handle), ['waiting_for_pick_slot']);

      const beside = await startedByHand('orderWorkflowV3', sameOrder);
      expect(beside.failure).toMatch(new RegExp(`order ${orderId} is run by order-${orderId} only, not by by-hand-`));
      expect(await failedTasksOnceSettled(beside.workflowId)).toBe(0);

      await cancelFromTheCli(handle.workflowId);
    } finally {
      await reopen();
    }
    expect(((await handle.result()) as { stage: string }).stage).toBe('cancelled');
    const ended = await footprint();
    expect(ended.order?.status).toBe('cancelled');
    // Temporal lets a closed workflow's id be started again (the CLI's default policy), as a reset to its first task
    // runs it again: the run fails at its first step, and the order stays as it ended.
    const again = await startedByHand('orderWorkflowV3', sameOrder, handle.workflowId);
    expect(again.failure).toMatch(new RegExp(`order ${orderId} is cancelled: its journey does not run again`));
    expect(await failedTasksOnceSettled(handle.workflowId)).toBe(0);
    expect(await footprint()).toEqual(ended);
  });

  it("an existing shipment's input started under another workflow id fails at once, before any command: the real shipment's row, label and stock stay as they were", async () => {
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const handle = await journey.placeOrder({ lines: [{ sku: 'CUTTING-BOARD-OAK', quantity: 1 }] });
      const shipmentId = firstShipmentId(handle);
      await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot']);
      const db = journey.database.db;
      const footprint = async () => ({
        shipment: await db.shipment.findUnique({ where: { id: shipmentId } }),
        labels: await db.label.count({ where: { shipmentId } }),
        reservations: await db.reservation.findMany({ where: { shipmentId }, select: { id: true, status: true }, orderBy: { id: 'asc' } }),
        stages: await db.stageTiming.count({ where: { shipmentId } }),
      });
      const before = await footprint();
      // The real shipment's own input, as an operator would copy it from the Web UI.
      const { events } = await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).fetchHistory();
      const sameShipment = await decodeFromPayloadsAtIndex<unknown>(
        loadDataConverter(testDataConverter),
        0,
        events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads,
      );
      // Before, the run under `shipment-FAKE-…` rewrote the real row as its own journey went, and a cancel from the CLI
      // voided the real label and put the stock back while the real journey went on.
      // Every registered shipment type, the frozen v1 one too.
      for (const type of ['shipmentWorkflowV3', 'shipmentWorkflowV2', 'shipmentWorkflow']) {
        const beside = await startedByHand(type, JSON.stringify(sameShipment), `shipment-FAKE-${newKey('ship')}`);
        expect(beside.failure, type).toMatch(
          new RegExp(`shipment ${shipmentId} is run by shipment-${shipmentId} only, not by shipment-FAKE-`),
        );
        expect(await failedTasksOnceSettled(beside.workflowId)).toBe(0);
        const { events: hers } = await journey.env.client.workflow.getHandle(beside.workflowId).fetchHistory();
        expect((hers ?? []).filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes)).toEqual([]);
      }
      expect(await footprint()).toEqual(before);
    } finally {
      await reopen();
    }
  });
  /** A workflow's own start input, as an operator would copy it from the Web UI. */
  const ownInput = async (workflowId: string): Promise<string> => {
    const { events } = await journey.env.client.workflow.getHandle(workflowId).fetchHistory();
    const input = await decodeFromPayloadsAtIndex<unknown>(
      loadDataConverter(testDataConverter),
      0,
      events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads,
    );
    return JSON.stringify(input);
  };

  it('the frozen v1 types started by hand on an ended order or shipment, and any shipment type on a shipment no order planned, fail at their first step: no label, no row set back, no page', async () => {
    const db = journey.database.db;
    const footprint = async (orderId: string) => ({
      order: await db.order.findUnique({ where: { id: orderId }, select: { status: true, updatedAt: true } }),
      shipments: await db.shipment.findMany({
        where: { orderId },
        select: { id: true, status: true, updatedAt: true },
        orderBy: { id: 'asc' },
      }),
      labels: await db.label.count({ where: { shipment: { orderId } } }),
      movements: await db.inventoryMovement.count({ where: { orderId } }),
      escalations: await db.escalation.count({ where: { orderId } }),
      mails: await db.customerMail.count({ where: { orderId } }),
    });
    // Delivered: before, the v1 order ran its journey again, set the parcel back to picking and paged ops "late".
    const delivered = await journey.placeOrder();
    expect(((await delivered.result()) as { stage: string }).stage).toBe('completed');
    const deliveredId = delivered.workflowId.replace(/^order-/, '');
    const deliveredShipment = ids.shipmentWorkflowId(firstShipmentId(delivered));
    const atEnd = await footprint(deliveredId);
    const order = await startedByHand('orderWorkflow', await ownInput(delivered.workflowId), delivered.workflowId);
    expect(order.failure).toMatch(new RegExp(`order ${deliveredId} is completed: a v1 run does not take its journey again`));
    const shipment = await startedByHand('shipmentWorkflow', await ownInput(deliveredShipment), deliveredShipment);
    expect(shipment.failure).toMatch(/is delivered: a v1 run does not take its journey again/);
    expect(await footprint(deliveredId)).toEqual(atEnd);
    // A shipment no order planned (its input copied, another number): before, its first step was retried for ever.
    const copied = JSON.parse(await ownInput(deliveredShipment)) as { shipmentId: string };
    const madeUp = `${deliveredId}-S9`;
    for (const type of ['shipmentWorkflowV3', 'shipmentWorkflow']) {
      const none = await startedByHand(type, JSON.stringify({ ...copied, shipmentId: madeUp }), ids.shipmentWorkflowId(madeUp));
      expect(none.failure, type).toMatch(new RegExp(`shipment ${madeUp} does not exist: no order planned it`));
    }
    expect(await footprint(deliveredId)).toEqual(atEnd);

    // Cancelled before its label: before, the v1 shipment picked, packed and bought a real label, and told the customer
    // "shipped" and "delivered" after "cancelled".
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const cancelled = await journey.placeOrder({ lines: [{ sku: 'CUTTING-BOARD-OAK', quantity: 1 }] });
      await untilShipmentStage(journey, firstShipmentId(cancelled), ['waiting_for_pick_slot']);
      await cancelFromTheCli(cancelled.workflowId);
      expect(((await cancelled.result()) as { stage: string }).stage).toBe('cancelled');
      const cancelledId = cancelled.workflowId.replace(/^order-/, '');
      const cancelledShipment = ids.shipmentWorkflowId(firstShipmentId(cancelled));
      const asCancelled = await footprint(cancelledId);
      const again = await startedByHand('shipmentWorkflow', await ownInput(cancelledShipment), cancelledShipment);
      expect(again.failure).toMatch(/is cancelled: a v1 run does not take its journey again/);
      expect(await failedTasksOnceSettled(cancelledShipment)).toBe(0);
      expect(await footprint(cancelledId)).toEqual(asCancelled);
    } finally {
      await reopen();
    }
  });
});
