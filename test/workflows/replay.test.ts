import { readdirSync, readFileSync } from 'node:fs';
import { WorkflowUpdateStage } from '@temporalio/client';
import { decodeFromPayloadsAtIndex, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { ids } from '../../domain/ids';
import { workflowBundle } from '../../worker/workers';
import { createInventoryActivities } from '../../activities/inventory';
import { storePushedScans } from '../../activities/pushed-scans';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { ShipmentMilestone } from '../../domain/milestones';
import { CARRIER_STATUS_CODES, normaliseCarrierEvent, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { setWarehouseAvailability } from '../../activities/reallocation';
import {
  cancelOrderUpdate,
  changeAddressUpdate,
  orderStatusQuery,
  resolveEscalationUpdate,
  restockedSignal,
  shipmentMilestoneSignal,
  trackingEventsSignal,
  warehouseAvailabilitySignal,
} from '../../workflows/definitions';
import { inspectReturnUpdate, returnStatusQuery } from '../../workflows/returns/definitions';
import { startJourney, type Journey } from '../support/journey';
import { testDataConverter } from '../support/temporal';
import { HISTORIES_ROOT, History, RECORD_HISTORIES, writeHistory } from './history-files';
import {
  firstShipmentId,
  NEW_ADDRESS,
  orderIdOf,
  recipient,
  shipmentView,
  simulator,
  skipToParisTime,
  until,
  untilEscalation,
  untilShipmentStage,
  untilWorkflowKnowsEscalation,
  workingDayBeforeAnother,
  type OrderHandle,
} from './steps';

/**
 * Recorded histories of finished orders and their shipments, replayed against today's workflow
 * bundle: a change that would make a running workflow take another path (non-determinism) fails here
 * before it reaches a worker with live histories. Each history names its workflow type, so each replays
 * on the code that type runs (README, "Upgrading a running system"):
 *   histories/v1/  orders started as `orderWorkflow` / `shipmentWorkflow`, frozen in workflows/v1/;
 *   histories/v2/  orders started as `orderWorkflowV2` / `shipmentWorkflowV2`, the code of today's types in
 *                  its v2 generation (patches asked of history; workflows/shared/generation.ts), no longer
 *                  re-recorded; and `returnWorkflow` histories recorded before v3;
 *   histories/v3-early/  `orderWorkflowV3` / `shipmentWorkflowV3` as they ran before their rate shop chose the
 *                  service and their label purchase wrote its stage (each then a local activity of the workflow's
 *                  own), payloads sealed uncompressed: v3 orders in flight at that upgrade; no longer re-recorded;
 *   histories/v3/  the current types, `orderWorkflowV3` / `shipmentWorkflowV3`, and `returnWorkflow`
 *                  (recorded by test/workflows/returns.test.ts, whose journeys go through the API); and
 *                  `stored-scans-by-the-release-before.*`, webhook scans marked stored by the API as a worker
 *                  of the release before 'api-stored-scans' handled them (recorded once, never re-recorded), and
 *                  `returned-to-sender-reshipped-before-carrier-returns.*`, a parcel returned to sender re-shipped
 *                  before 'carrier-return-inspected' (its goods written off; recorded once, never re-recorded),
 *                  and `mail-relay-on-the-notify-queue.relay`, the mail relay as it ran on the notify queue before
 *                  'relays-on-the-orders-queue' (four mails; recorded once on bf34c24, never re-recorded), and
 *                  `happy-path-slot-booked-by-shipment.*` / `split-slot-booked-by-shipment.*`, shipments that booked
 *                  their own pick slot before the order's plan booked it (recorded on ef9631e, never re-recorded);
 *                  `warehouse-down-moved.*` and `warehouse-down-up-again.*`, a shipment told its warehouse is down
 *                  while it waits for its slot: moved away, or staying because the warehouse is up again;
 *                  `address-changed-after-booking.*`, an address change answered by the shipment
 *                  ('address-overtaken-by-carrier'); `escalation-alert-*.alert`, the alert of an escalation the API
 *                  opened (recorded by test/workflows/escalation-alert.test.ts); `milestone-text-bounded.*` and
 *                  `milestone-text-taken-whole-before.*`, shipment milestones sent by hand with text past their bounds,
 *                  cut ('milestone-text-bounded'), or kept whole by the release before it (recorded once on fa049e2's
 *                  code, never re-recorded).
 *
 * Re-record the current code's histories after an intended, versioned change with
 * `COLIS_RECORD_HISTORIES=1 npx vitest run test/workflows/replay.test.ts test/workflows/returns.test.ts test/workflows/escalation-alert.test.ts`
 * (v1's, v2's and v3-early's are never re-recorded).
 */
/** The workflow types each generation of histories must hold: a v1 history replaying on v2 code would prove nothing. */
const GENERATIONS = {
  v1: ['orderWorkflow', 'shipmentWorkflow'],
  v2: ['orderWorkflowV2', 'shipmentWorkflowV2', 'returnWorkflow'],
  'v3-early': ['orderWorkflowV3', 'shipmentWorkflowV3'],
  v3: ['orderWorkflowV3', 'shipmentWorkflowV3', 'returnWorkflow', 'notificationRelayWorkflow', 'escalationAlertWorkflow'],
} as const;
const RECORD = RECORD_HISTORIES;

describe.runIf(RECORD)('recording journey histories for the replay test', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  async function record(name: string, handle: OrderHandle, shipmentIds: string[]) {
    await handle.result();
    const workflows = [handle.workflowId, ...shipmentIds.map((id) => `shipment-${id}`)];
    for (const [i, workflowId] of workflows.entries()) {
      await writeHistory(journey.env.client, workflowId, `${name}.${i === 0 ? 'order' : `shipment-${i}`}`);
    }
  }

  it('a happy path', async () => {
    const handle = await journey.placeOrder();
    await record('happy-path', handle, [firstShipmentId(handle)]);
  });

  it('a split shipment', async () => {
    const handle = await journey.placeOrder({
      lines: [
        { sku: 'BOOK-COOK-XL', quantity: 1 },
        { sku: 'TEA-GREEN-100G', quantity: 2 },
      ],
    });
    await record('split', handle, [firstShipmentId(handle), `${orderIdOf(handle)}-S2`]);
  });

  it('a cancel after booking', async () => {
    const handle = await journey.placeOrder();
    await untilShipmentStage(journey, firstShipmentId(handle), ['label_created']);
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'recorded cancel' }] });
    await record('cancelled-after-booking', handle, [firstShipmentId(handle)]);
  });

  // The shipment answers with its address_answered milestone (patch 'address-overtaken-by-carrier'): recorded
  // on the release that added it, so the patched branch replays too.
  it('an address change after booking: the first label voided, the parcel sent to the new address', async () => {
    const handle = await journey.placeOrder();
    await untilShipmentStage(journey, firstShipmentId(handle), ['label_created']);
    await handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] });
    await record('address-changed-after-booking', handle, [firstShipmentId(handle)]);
  });

  // histories/v2/stuck-reshipped.* were recorded before a re-ship re-fulfilled (a new label for the same
  // parcel): kept so v2's unpatched branch of 'reship-refulfils' keeps replaying.
  it('a stuck shipment re-shipped: written off, its lines sent again in a replacement shipment', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:stall]') });
    const shipmentId = firstShipmentId(handle);
    const stuck = await untilEscalation(
      journey,
      { orderId: orderIdOf(handle), reason: 'stuck', severity: 'high' },
      { stepMs: 4 * HOUR_MS },
    );
    const replacementId = `${orderIdOf(handle)}-S2`;
    simulator(journey).scriptShipment(replacementId, 'normal');
    await journey.env.client.workflow
      .getHandle(`shipment-${shipmentId}`)
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: stuck.id, decision: 'reship', resolvedBy: 'recorder' }] });
    await record('stuck-refulfilled', handle, [shipmentId, replacementId]);
  });

  // histories/v3/returned-to-sender-reshipped-before-carrier-returns.* are the same journey recorded before
  // 'carrier-return-inspected' (its goods written off as lost): kept so that path keeps replaying; never re-recorded.
  it('a parcel returned to sender, re-shipped: its goods received back for inspection, its lines sent again', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:return_to_sender]') });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const replacementId = `${orderId}-S2`;
    simulator(journey).scriptShipment(replacementId, 'normal');
    const broken = await untilEscalation(journey, { orderId, reason: 'broken', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, broken);
    await journey.env.client.workflow
      .getHandle(`shipment-${shipmentId}`)
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: broken.id, decision: 'reship', resolvedBy: 'recorder' }] });
    await record('returned-to-sender-reshipped', handle, [shipmentId, replacementId]);
    // The carrier return the re-ship opened, inspected (the recording before the change opened none).
    const carrierReturn = await journey.database.db.return.findUnique({ where: { shipmentId } });
    if (!carrierReturn) return;
    const returnHandle = journey.env.client.workflow.getHandle(carrierReturn.workflowId);
    await until(
      journey,
      'the carrier return waiting for its inspection',
      () => returnHandle.query(returnStatusQuery),
      (view) => view.status === 'received',
      { stepMs: 60_000 },
    );
    // Accepted is enough: the workflow's result says the inspection was settled (the test server may forget a
    // completed update once its workflow has closed: "update … not found").
    await returnHandle.startUpdate(inspectReturnUpdate, {
      args: [{ lines: [{ lineNo: 1, restock: 2, writeOff: 0 }], inspectedBy: 'recorder' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await returnHandle.result();
    await writeHistory(journey.env.client, carrierReturn.workflowId, 'returned-to-sender-reshipped.return');
  });

  it('a replacement short of stock escalated at the backorder wait, then woken by a restock', async () => {
    // KETTLE-17L: 4 at LYS1 only; the stalled parcel takes them all.
    const handle = await journey.placeOrder({
      shipTo: recipient('Ada Lovelace [scenario:stall]'),
      lines: [{ sku: 'KETTLE-17L', quantity: 4 }],
      backorderWaitHours: 24,
    });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const replacementId = `${orderId}-S2`;
    simulator(journey).scriptShipment(replacementId, 'normal');
    const stuck = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, stuck);
    await journey.env.client.workflow
      .getHandle(`shipment-${shipmentId}`)
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: stuck.id, decision: 'reship', resolvedBy: 'recorder' }] });
    const overdue = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, overdue);
    await createInventoryActivities(journey.database.db).restock({
      warehouseCode: 'LYS1',
      skuCode: 'KETTLE-17L',
      quantity: 4,
      reference: `recorder-${orderId}`,
    });
    await handle.signal(restockedSignal, { warehouseCode: 'LYS1', skuCode: 'KETTLE-17L' });
    await record('replacement-escalated-restocked', handle, [shipmentId, replacementId]);
  });

  // histories/v3/stored-scans-by-the-release-before.* are the same journey as a worker of the release before
  // 'api-stored-scans' ran it (the mark ignored, every scan written): recorded once on that code, never re-recorded.
  it('webhook scans the API stored: the hub scan at the same status is not written again', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const trackingNumber = booked.trackingNumber ?? '';
    const t0 = await journey.env.currentTimeMs();
    const scan = (id: string, status: 'in_transit' | 'delivered', hours: number, detail: string): CarrierTrackingEvent => ({
      carrierCode: carrier,
      eventId: `${shipmentId}-${id}`,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES[carrier][status],
      detail,
      occurredAt: new Date(t0 + hours * HOUR_MS).toISOString(),
    });
    // As the API takes a webhook (api/services/carrier-scans.ts): stored first, then signalled marked so.
    const pushed = async (event: CarrierTrackingEvent) => {
      const normalised = normaliseCarrierEvent(event);
      if (!normalised.ok) throw new Error(`unmapped ${event.statusCode}`);
      await storePushedScans(journey.database.db, shipmentId, [normalised.event]);
      await journey.env.client.workflow
        .getHandle(`shipment-${shipmentId}`)
        .signal(trackingEventsSignal, { source: 'webhook', events: [event], stored: true });
    };
    await pushed(scan('picked', 'in_transit', 1, 'Parcel picked up'));
    await untilShipmentStage(journey, shipmentId, ['in_transit'], { stepMs: 60_000 });
    await pushed(scan('hub', 'in_transit', 3, 'Arrived at sorting hub'));
    await until(
      journey,
      'the hub scan in the shipment view',
      () => shipmentView(journey, shipmentId),
      (view) => view.timeline.some((e) => e.detail === 'Arrived at sorting hub'),
      { stepMs: 60_000 },
    );
    await pushed(scan('delivered', 'delivered', 6, 'Delivered'));
    await record('api-stored-scans', handle, [shipmentId]);
  });

  it('a backorder deadline answered with ship_available', async () => {
    const handle = await journey.placeOrder({
      lines: [{ sku: 'POT-CASTIRON-6L', quantity: 5 }],
      backorderPolicy: 'backorder',
      backorderWaitHours: 24,
    });
    const deadline = await untilEscalation(
      journey,
      { orderId: orderIdOf(handle), reason: 'backorder_deadline', status: 'open' },
      { stepMs: 6 * HOUR_MS },
    );
    await untilWorkflowKnowsEscalation(journey, deadline);
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: deadline.id, decision: 'ship_available', resolvedBy: 'recorder' }],
    });
    await record('backorder-ship-available', handle, [firstShipmentId(handle)]);
  });

  /**
   * A shipment waiting for its pick slot hears its warehouse is down: with `down` in the database it moves to another
   * warehouse (`moved`); with the warehouse up again by then (crossed signals) it stays and picks there (`up_again`).
   */
  async function warehouseDownWhileWaiting(name: string, downInDatabase: boolean) {
    const db = journey.database.db;
    const cutoffs = await db.warehouse.findMany({ select: { code: true, cutoffLocalTime: true } });
    // Everything after the cut-off: the shipment waits for the next working day's slot, where the news reaches it.
    await db.warehouse.updateMany({ data: { cutoffLocalTime: '00:00' } });
    try {
      await skipToParisTime(journey, 9 * 60, workingDayBeforeAnother);
      const handle = await journey.placeOrder();
      const shipmentId = firstShipmentId(handle);
      await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot']);
      const { warehouseCode } = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
      if (downInDatabase)
        await setWarehouseAvailability(db, { warehouseCode, down: true, changedBy: 'recorder', reason: 'recorded outage' });
      await journey.env.client.workflow
        .getHandle(`shipment-${shipmentId}`)
        .signal(warehouseAvailabilitySignal, { warehouseCode, down: true, reason: 'recorded outage' });
      await record(name, handle, [shipmentId]);
      if (downInDatabase) await setWarehouseAvailability(db, { warehouseCode, down: false, changedBy: 'recorder', reason: 'over' });
    } finally {
      for (const { code, cutoffLocalTime } of cutoffs) await db.warehouse.update({ where: { code }, data: { cutoffLocalTime } });
    }
  }

  it('a warehouse down while its shipment waits for the pick slot: the shipment moves to another', async () => {
    await warehouseDownWhileWaiting('warehouse-down-moved', true);
  });

  it('a "down" heard after the warehouse is up again: the shipment stays and picks there', async () => {
    await warehouseDownWhileWaiting('warehouse-down-up-again', false);
  });

  // histories/v3/milestone-text-taken-whole-before.* are the same journey as the release before 'milestone-text-bounded'
  // ran it (each milestone kept whole): recorded once on that code, never re-recorded.
  it('shipment milestones sent by hand with text past their bounds: kept cut short (patch milestone-text-bounded)', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['label_created']);
    const { promisedBy } = await handle.query(orderStatusQuery);
    const later = new Date(Date.parse(promisedBy) + 30 * 24 * HOUR_MS).toISOString();
    const escalation = {
      escalationId: 'ESC-CLI-1',
      reason: 'stuck',
      severity: 'high',
      detail: `a${'😀'.repeat(1_500)}`,
      openedAt: later,
    } as const;
    const milestones: ShipmentMilestone[] = [
      { kind: 'escalated', shipmentId, escalation },
      {
        kind: 'repromised',
        shipmentId,
        previousPromisedBy: promisedBy,
        promisedBy: `${later.slice(0, 19)}.${'1'.repeat(1_200)}Z`,
        reason: 'stall',
        wording: 'w'.repeat(2_000),
      },
      { kind: 'escalation_closed', shipmentId, escalation: { ...escalation, resolvedAt: later, decision: 'wait' } },
    ];
    for (const milestone of milestones) await handle.signal(shipmentMilestoneSignal, milestone);
    // The order's history only: its shipment's is a happy path's.
    await record('milestone-text-bounded', handle, []);
  });
});

describe.skipIf(RECORD)('replaying recorded histories against the current workflow code', () => {
  it('every recorded history, of the frozen v1 types and of the current ones, replays without non-determinism', async () => {
    const histories = Object.entries(GENERATIONS).flatMap(([generation, types]) => {
      const dir = `${HISTORIES_ROOT}${generation}/`;
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
      expect(files.length, `histories/${generation}`).toBeGreaterThanOrEqual(8);
      return files.map((file) => {
        const history = History.fromObject(JSON.parse(readFileSync(`${dir}${file}`, 'utf8')));
        const type = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
        expect(types as readonly string[], `${generation}/${file} is a ${type}`).toContain(type);
        return { file: `${generation}/${file}`, history };
      });
    });
    // A shipment refuses to run under an id that is not its own (shared/message-guards.ts): replayed under the one it ran by.
    const named = await Promise.all(histories.map(async ({ file, history }) => ({ workflowId: await ranAs(file, history), history })));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      // With the payload codec every worker runs: histories recorded before encryption must still decode.
      { workflowBundle: await workflowBundle(), replayName: 'colis-replay', dataConverter: testDataConverter },
      named,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});

/** The id a recorded workflow ran under: a shipment's is `shipment-<its input's shipmentId>`; others are named by their file. */
async function ranAs(file: string, history: ReturnType<typeof History.fromObject>): Promise<string> {
  const started = history.events[0]?.workflowExecutionStartedEventAttributes;
  if (!/^shipmentWorkflow(V[23])?$/.test(started?.workflowType?.name ?? '')) return file.replace(/\.json$/, '');
  const input = await decodeFromPayloadsAtIndex<{ shipmentId: string }>(loadDataConverter(testDataConverter), 0, started?.input?.payloads);
  return ids.shipmentWorkflowId(input.shipmentId);
}
