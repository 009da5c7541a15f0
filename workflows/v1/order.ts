import {
  allHandlersFinished,
  ApplicationFailure,
  type ChildWorkflowHandle,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { StageRecord } from '../activity-types';
import { hoursToRealMs } from '../../domain/clock';
import type { LineShortage } from '../../domain/inventory';
import type { EscalationDecision, EscalationView, OrderStage, OrderView, ShipmentStage, ShipmentView } from '../../domain/journey';
import { CANCEL_ORDER_REQUEST, CHANGE_ADDRESS_REQUEST, RESTOCKED_SIGNAL, SHIPMENT_VIEW } from '../../domain/message-shapes';
import { plannedShipmentView } from '../../domain/views';
import { guardedSignal, refuseMalformed, requireStartInput } from '../shared/message-guards';
import { TASK_QUEUES } from '../../domain/ids';
import type { Address, OrderWorkflowInput } from '../../domain/order';
import { db, summarised } from './activity-options';
import { answerEscalationsWith, type OpenEscalation } from './escalation-answer';
import {
  cancelOrderUpdate,
  cancelShipmentSignal,
  changeAddressUpdate,
  orderStatusQuery,
  restockedSignal,
  searchAttributes,
  shipmentAddressChangedSignal,
  shipmentUpdatedSignal,
} from '../definitions';
import { type ShipmentOutcome, shipmentWorkflow } from './shipment';
import { ORDER_WORKFLOW_INPUT } from '../../domain/workflow-input-shapes';

export interface OrderOutcome {
  orderId: string;
  stage: Extract<OrderStage, 'completed' | 'cancelled' | 'failed'>;
  shipments: ShipmentOutcome[];
  packagingCostCents: number;
  shippingCostCents: number;
  shortages: LineShortage[];
}

/** Once the carrier has the parcel, neither cancel nor address change can reach it. */
const WITH_CARRIER: ReadonlySet<ShipmentStage> = new Set([
  'in_transit',
  'out_for_delivery',
  'available_for_pickup',
  'delivery_failed',
  'exception',
  'delivered',
  'returned_to_sender',
  'lost',
]);
const FINAL_ORDER_STAGES: ReadonlySet<OrderStage> = new Set(['completed', 'cancelled', 'failed']);
const SEVERITY_STEP_HOURS = 8;

class OrderCancelled extends Error {}

/**
 * order-<id>: one customer order from intake to the last parcel delivered (or resolved).
 * record → reserve stock → backorder handling → one child shipment per warehouse → completion.
 * Cancel and address change are updates validated against the order's state.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderOutcome> {
  // A run started by hand without its input (`{}`, `null`) fails at once, naming the field; a recorded run's input has it all.
  requireStartInput('order workflow (v1)', ORDER_WORKFLOW_INPUT, input);
  const { orderId, request, timeScale } = input;
  const realHours = (h: number) => hoursToRealMs(h, timeScale);

  let stage: OrderStage = 'received';
  let shipTo: Address = request.shipTo;
  let addressVersion = 1;
  let cancelReason: string | undefined;
  let restocks = 0;
  let shortages: LineShortage[] = [];
  let escalation: OpenEscalation | undefined;
  let escalationSeq = 0;
  const shipments = new Map<string, ShipmentView>();
  const children = new Map<string, ChildWorkflowHandle<typeof shipmentWorkflow>>();
  const outcomes: ShipmentOutcome[] = [];
  const stages: StageRecord[] = [];
  const escalations: EscalationView[] = [];
  const timeline: OrderView['timeline'] = [];

  const view = (): OrderView => {
    const list = [...shipments.values()];
    return {
      orderId,
      workflowId: workflowInfo().workflowId,
      stage,
      customerId: request.customer.id,
      serviceLevel: request.serviceLevel,
      promisedBy: input.promisedBy,
      receivedAt: input.receivedAt,
      shipTo,
      shortages,
      ...(backorderDeadlineMs ? { backorderDeadline: new Date(backorderDeadlineMs).toISOString() } : {}),
      shipments: list,
      escalations,
      timeline,
      packagingCostCents: list.reduce((sum, s) => sum + s.packagingCostCents, 0),
      shippingCostCents: list.reduce((sum, s) => sum + s.shippingCostCents, 0),
      ...(cancelReason ? { cancelReason } : {}),
    };
  };
  let backorderDeadlineMs: number | undefined;

  const withCarrier = () => [...shipments.values()].filter((s) => WITH_CARRIER.has(s.stage));

  // ---- messages ----------------------------------------------------------------------------
  setHandler(orderStatusQuery, view);
  // Frozen, but guarded: a malformed signal is dropped (shared/message-guards.ts); a well-formed one runs as it always did.
  const dropped = (detail: string) => note('note', 'message ignored', detail);
  guardedSignal(
    shipmentUpdatedSignal,
    SHIPMENT_VIEW,
    (shipment) => {
      shipments.set(shipment.shipmentId, shipment);
      const carriers = [...new Set([...shipments.values()].flatMap((s) => (s.carrierCode ? [s.carrierCode] : [])))];
      const escalated = [...shipments.values()].some((s) => s.escalations.some((e) => !e.resolvedAt));
      upsertSearchAttributes([
        { key: searchAttributes.carrier, value: carriers },
        { key: searchAttributes.escalated, value: escalated || (escalation !== undefined && !escalation.answer) },
      ]);
    },
    dropped,
  );
  guardedSignal(
    restockedSignal,
    RESTOCKED_SIGNAL,
    () => {
      restocks += 1;
    },
    dropped,
  );

  setHandler(
    cancelOrderUpdate,
    async ({ reason }) => {
      cancelReason = reason;
      note('note', 'cancellation requested', reason);
      for (const [shipmentId, child] of children) {
        const s = shipments.get(shipmentId);
        if (s && isFinalShipment(s.stage)) continue;
        await child.signal(cancelShipmentSignal, { reason });
      }
      await condition(() => FINAL_ORDER_STAGES.has(stage));
      return view();
    },
    {
      validator: (request) => {
        refuseMalformed(cancelOrderUpdate.name, CANCEL_ORDER_REQUEST, request);
        if (FINAL_ORDER_STAGES.has(stage)) throw new Error(`order ${orderId} is already ${stage}`);
        if (cancelReason !== undefined) throw new Error(`order ${orderId} is already being cancelled`);
        const gone = withCarrier();
        if (gone.length > 0) {
          throw new Error(
            `order ${orderId} cannot be cancelled: shipment ${gone.map((s) => `${s.shipmentId} is ${s.stage.replace(/_/g, ' ')}`).join(', ')}; ` +
              'the carrier already has it (ask for a return instead)',
          );
        }
      },
    },
  );

  setHandler(
    changeAddressUpdate,
    async ({ shipTo: address }) => {
      addressVersion += 1;
      await summarised(db.changeShippingAddress, `Address version ${addressVersion}`, { orderId, version: addressVersion, address });
      shipTo = address;
      note('note', 'shipping address changed', `${address.city}, ${address.countryCode}`);
      for (const [shipmentId, child] of children) {
        const s = shipments.get(shipmentId);
        if (s && isFinalShipment(s.stage)) continue;
        await child.signal(shipmentAddressChangedSignal, address);
      }
      return view();
    },
    {
      validator: (request) => {
        refuseMalformed(changeAddressUpdate.name, CHANGE_ADDRESS_REQUEST, request);
        if (FINAL_ORDER_STAGES.has(stage)) throw new Error(`order ${orderId} is already ${stage}`);
        if (cancelReason !== undefined) throw new Error(`order ${orderId} is being cancelled`);
        const gone = withCarrier();
        if (gone.length > 0) {
          throw new Error(
            `the address of order ${orderId} can no longer change: shipment ${gone.map((s) => s.shipmentId).join(', ')} ` +
              `is already with the carrier`,
          );
        }
      },
    },
  );

  answerEscalationsWith(() => escalation, `order ${orderId}`);

  // ---- bookkeeping -------------------------------------------------------------------------
  function note(kind: OrderView['timeline'][number]['kind'], label: string, detail?: string) {
    timeline.push({ at: new Date().toISOString(), kind, label, ...(detail ? { detail } : {}) });
  }

  let openStage: StageRecord | undefined;
  const enterStage = async (next: OrderStage, details: string, extra: { backorderDeadline?: string } = {}) => {
    const now = new Date().toISOString();
    if (openStage)
      stages.push({ ...openStage, endedAt: now, outcome: next === 'cancelled' ? 'cancelled' : next === 'failed' ? 'failed' : 'ok' });
    openStage = FINAL_ORDER_STAGES.has(next) ? undefined : { orderId, stage: next === 'fulfilling' ? 'fulfilment' : next, startedAt: now };
    stage = next;
    note('stage', next, details);
    setCurrentDetails(details);
    upsertSearchAttributes([{ key: searchAttributes.orderStatus, value: next }]);
    const final = FINAL_ORDER_STAGES.has(next);
    const totals = final ? view() : undefined;
    await db.setOrderStatus({
      orderId,
      status: next,
      ...extra,
      ...(totals ? { packagingCostCents: totals.packagingCostCents, shippingCostCents: totals.shippingCostCents } : {}),
    });
    if (final || next === 'fulfilling') {
      const batch = stages.splice(0);
      if (openStage) batch.push(openStage);
      if (batch.length > 0) await db.recordStages({ stages: batch });
    }
  };

  const checkCancel = () => {
    if (cancelReason !== undefined) throw new OrderCancelled();
  };

  const releaseAll = (reason: string) => summarised(db.releaseReservations, 'Release all stock held for the order', { orderId, reason });

  // ---- the journey -------------------------------------------------------------------------
  upsertSearchAttributes([
    { key: searchAttributes.orderStatus, value: 'received' },
    { key: searchAttributes.customerId, value: request.customer.id },
    { key: searchAttributes.promisedBy, value: new Date(input.promisedBy) },
    { key: searchAttributes.escalated, value: false },
  ]);
  stages.push({ orderId, stage: 'intake', startedAt: input.receivedAt, endedAt: new Date().toISOString(), outcome: 'ok' });

  try {
    try {
      await summarised(db.recordOrder, `Record order ${orderId}`, input);
    } catch (error) {
      const failure = rootFailure(error);
      if (failure?.type === 'UnknownSku') {
        note('note', 'order refused', failure.message);
        await enterStage('failed', `Refused: ${failure.message}`);
        return await finish('failed');
      }
      throw error;
    }
    await enterStage('reserving', 'Reserving stock: one warehouse if one can ship it all, else the fewest shipments');
    let reservation = await summarised(db.reserveStock, 'Reserve stock', { orderId });
    shortages = reservation.shortages;

    if (shortages.length > 0 && request.backorderPolicy === 'backorder') {
      backorderDeadlineMs = Date.now() + realHours(request.backorderWaitHours);
      await enterStage('backordered', describeShortages(shortages, 'waiting for a restock'), {
        backorderDeadline: new Date(backorderDeadlineMs).toISOString(),
      });
      let seenRestocks = restocks;
      while (shortages.length > 0) {
        const deadline = backorderDeadlineMs;
        const woke = await condition(
          () => restocks > seenRestocks || cancelReason !== undefined || escalation?.answer !== undefined,
          Math.max(1, (escalation ? escalation.nextStepAtMs : deadline) - Date.now()),
          {
            summary: escalation
              ? 'Waiting for ops: backorder deadline passed'
              : `Backorder: waiting for a restock until ${new Date(deadline).toISOString().slice(0, 16)}`,
          },
        );
        checkCancel();
        if (restocks > seenRestocks) {
          seenRestocks = restocks;
          reservation = await summarised(db.reserveStock, 'Reserve restocked stock', { orderId });
          shortages = reservation.shortages;
          note('note', 'restock received', shortages.length > 0 ? describeShortages(shortages, 'still short') : 'fully reserved');
          continue;
        }
        if (escalation?.answer) {
          const decision: EscalationDecision = escalation.answer.decision;
          note('escalation', `ops decided: ${decision}`, escalation.answer.note);
          escalation = undefined;
          upsertSearchAttributes([{ key: searchAttributes.escalated, value: false }]);
          if (decision === 'wait') {
            backorderDeadlineMs = Date.now() + realHours(request.backorderWaitHours);
            continue;
          }
          if (decision === 'ship_available') break;
          cancelReason = `ops decided ${decision} at the backorder deadline`;
          throw new OrderCancelled();
        }
        if (!woke && escalation) {
          escalation.nextStepAtMs = Date.now() + realHours(SEVERITY_STEP_HOURS);
          const severities = ['low', 'medium', 'high', 'critical'] as const;
          const next = severities[Math.min(severities.indexOf(escalation.view.severity) + 1, 3)] ?? 'critical';
          if (next !== escalation.view.severity) {
            escalation.view.severity = next;
            await db.raiseEscalationSeverity({ escalationId: escalation.view.escalationId, severity: next });
          }
          continue;
        }
        if (!woke && !escalation) {
          escalationSeq += 1;
          const detail = describeShortages(shortages, 'no restock before the deadline');
          const dedupeKey = `${orderId}:backorder_deadline:${escalationSeq}`;
          const opened = await summarised(db.openEscalation, 'Escalate: backorder deadline passed', {
            dedupeKey,
            orderId,
            reason: 'backorder_deadline',
            severity: 'medium',
            detail,
          });
          const escalationView: EscalationView = {
            escalationId: opened.escalationId,
            reason: 'backorder_deadline',
            severity: 'medium',
            detail,
            openedAt: opened.openedAt,
          };
          escalations.push(escalationView);
          escalation = { view: escalationView, nextStepAtMs: Date.now() + realHours(SEVERITY_STEP_HOURS) };
          upsertSearchAttributes([{ key: searchAttributes.escalated, value: true }]);
          note('escalation', 'escalated: backorder deadline', detail);
          await db.notifyEscalation({
            escalationId: opened.escalationId,
            dedupeKey: `${dedupeKey}:opened`,
            summary: `${orderId}: ${detail}`,
          });
          setCurrentDetails(`Backorder deadline passed: ${detail}. Waiting for ops (wait, ship available, cancel).`);
        }
      }
    }
    checkCancel();
    if (reservation.held.length === 0) {
      cancelReason = describeShortages(shortages, 'nothing in stock');
      throw new OrderCancelled();
    }

    const planned = await summarised(db.planShipments, 'Plan one shipment per warehouse', { orderId });
    upsertSearchAttributes([{ key: searchAttributes.warehouse, value: [...new Set(planned.map((p) => p.warehouseCode))] }]);
    await enterStage(
      'fulfilling',
      `${planned.length} shipment(s) from ${[...new Set(planned.map((p) => p.warehouseCode))].join(', ')}` +
        (shortages.length > 0 ? `; ${describeShortages(shortages, 'short-shipped')}` : ''),
    );
    for (const p of planned) {
      const startedWith = shipTo;
      const child = await startChild(shipmentWorkflow, {
        workflowId: p.workflowId,
        taskQueue: TASK_QUEUES.orders,
        args: [
          {
            orderId,
            shipmentId: p.shipmentId,
            warehouseCode: p.warehouseCode,
            customerId: request.customer.id,
            lines: p.lines,
            shipTo: startedWith,
            serviceLevel: request.serviceLevel,
            promisedBy: input.promisedBy,
            timeScale,
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Shipment ${p.shipmentId} · ${p.lines.reduce((n, l) => n + l.quantity, 0)} item(s) from ${p.warehouseCode} to ${startedWith.city}`,
        typedSearchAttributes: [
          { key: searchAttributes.orderId, value: orderId },
          { key: searchAttributes.customerId, value: request.customer.id },
          { key: searchAttributes.warehouse, value: [p.warehouseCode] },
          { key: searchAttributes.shipmentStatus, value: 'planned' },
          { key: searchAttributes.promisedBy, value: new Date(input.promisedBy) },
          { key: searchAttributes.escalated, value: false },
        ],
      });
      children.set(p.shipmentId, child);
      // A cancel or address change accepted while this child was starting did not reach it: pass it on.
      if (shipTo !== startedWith) await child.signal(shipmentAddressChangedSignal, shipTo);
      if (cancelReason !== undefined) await child.signal(cancelShipmentSignal, { reason: cancelReason });
      if (!shipments.has(p.shipmentId)) {
        shipments.set(
          p.shipmentId,
          plannedShipmentView({
            shipmentId: p.shipmentId,
            workflowId: p.workflowId,
            warehouseCode: p.warehouseCode,
            lines: p.lines,
            promisedBy: input.promisedBy,
          }),
        );
      }
    }
    setCurrentDetails(`Fulfilling ${planned.length} shipment(s); see the child shipment workflows for their progress`);
    const results = await Promise.all([...children.values()].map((c) => c.result()));
    outcomes.push(...results);
    // The order's own held-but-unplanned units (none normally; a cancel's leftovers) go back to stock.
    const allStopped = results.every((r) => r.stage === 'cancelled' || r.stage === 'refunded');
    if (allStopped) {
      await enterStage('cancelled', cancelReason ?? 'every shipment was cancelled or refunded');
      await releaseAll(cancelReason ?? 'every shipment was cancelled or refunded');
      return await finish('cancelled');
    }
    await enterStage('completed', `Completed: ${results.map((r) => `${r.shipmentId} ${r.stage.replace(/_/g, ' ')}`).join(', ')}`);
    return await finish('completed');
  } catch (error) {
    if (error instanceof OrderCancelled) {
      // Cancelled first, released second: a late reserveStock retry then finds a closed order and reserves nothing.
      await enterStage('cancelled', `Cancelled: ${cancelReason ?? 'by request'}`);
      await releaseAll(cancelReason ?? 'cancelled');
      return await finish('cancelled');
    }
    if (isCancellation(error)) throw error;
    log.error('order failed', { orderId, error: String(error) });
    throw error;
  }

  async function finish(final: OrderOutcome['stage']): Promise<OrderOutcome> {
    // An update still writing (an escalation answer's database close) must finish before the workflow does.
    await condition(allHandlersFinished);
    const v = view();
    return {
      orderId,
      stage: final,
      shipments: outcomes,
      packagingCostCents: v.packagingCostCents,
      shippingCostCents: v.shippingCostCents,
      shortages,
    };
  }
}

function isFinalShipment(stage: ShipmentStage): boolean {
  return stage === 'delivered' || stage === 'cancelled' || stage === 'refunded' || stage === 'returned_to_sender' || stage === 'lost';
}

function describeShortages(shortages: readonly LineShortage[], what: string): string {
  return `${shortages.map((s) => `${s.missing} × ${s.skuCode}`).join(', ')} ${what}`;
}

/** The ApplicationFailure behind an activity failure, where business errors carry their type. */
function rootFailure(error: unknown): ApplicationFailure | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}
