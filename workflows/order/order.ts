import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { LineShortage } from '../../domain/inventory';
import type { OrderView, ShipmentView, TimelineEntry } from '../../domain/journey';
import {
  type FinalOrderStage,
  isFinalOrderStage,
  ORDER_STAGE_WORDS,
  type OrderStage,
  orderTimingStage,
  type StagePublication,
} from '../../domain/lifecycle';
import type { OrderMilestone } from '../../domain/milestones';
import type { Address } from '../../domain/order';
import { bookkeeping, stock, summarised } from '../activity-options';
import { searchAttributes } from '../definitions';
import { Alarm } from '../shared/alarm';
import { showCurrentDetails } from '../shared/current-details';
import { Escalations } from '../shared/escalation';
import { type Generation, type PatchId, takes } from '../shared/generation';
import { EscalationMemo } from '../shared/memo';
import { SearchAttributes } from '../shared/search-attributes';
import { StageLog } from '../shared/stage-log';
import { Timeline } from '../shared/timeline';
import type { ShipmentOutcome } from '../shipment/types';
import type { ShipmentChild } from './adoption';
import type { OrderInput, OrderOutcome } from './types';

/** The order is called off (by a cancel, or by ops at the backorder deadline): release and end as cancelled. */
export class OrderCancelled extends Error {}

/** Order stages the order rests in are indexed; reserving (milliseconds) is written, not indexed. */
const ORDER_STAGE_PUBLICATION: Readonly<Record<OrderStage, StagePublication>> = {
  received: 'index',
  reserving: 'record',
  backordered: 'index',
  fulfilling: 'index',
  completed: 'index',
  cancelled: 'index',
  failed: 'index',
};

/**
 * One order's state and the steps that change it. The journey (record → reserve → backorder → one
 * shipment per warehouse → completion) is `run` in workflow.ts; the backorder wait, fulfilment and the
 * messages ops and shipments send live in their own files and work on this state.
 */
export class OrderJourney {
  stage: OrderStage = 'received';
  /** The promise in force: the intake promise until a shipment re-promises (the intake one stays in the input). */
  promisedBy: string;
  shipTo: Address;
  addressVersion: number;
  cancelReason: string | undefined;
  /** Why the cancel in progress could not be honoured: a parcel reached the carrier before it (order/messages.ts). */
  cancelOvertaken: string | undefined;
  /**
   * While an address change waits to hear from the shipments it told (order/messages.ts): whether each one's parcel took
   * it (patch address-overtaken-by-carrier). Undefined when no change is waiting.
   */
  addressAnswers: Map<string, boolean> | undefined;
  /**
   * True from the moment an address change is taken until it is answered: its validator refuses a second change meanwhile
   * (two taken at once each voided and bought a label). Read by the validator only, which never runs on replay.
   */
  addressChanging = false;
  restocks = 0;
  /** Of `restocks`, the goods received (the others were announced): said in the timeline. State only, no command. */
  restocksReceived = 0;
  shortages: LineShortage[] = [];
  held = 0;
  backorderDeadlineMs: number | undefined;
  /**
   * The date a backorder was re-promised to against its restock (order/backorder.ts): the shipments it starts carry it
   * instead of the intake's. Undefined otherwise, so runs recorded before it start theirs as they did.
   */
  backorderPromisedBy: string | undefined;
  /** When the restock the backorder's date rests on is overdue enough to date it again, unless it came (order/backorder.ts). */
  restockRecheckAtMs: number | undefined;
  /** Whether this run ever waited for such a recheck: its alarm may then ring before the backorder deadline. */
  armedRestockRecheck = false;
  /** What the order knows of each shipment: planned lines, then the milestones it heard; the API reads the rest from the shipment. */
  readonly shipments = new Map<string, ShipmentView>();
  readonly children = new Map<string, ShipmentChild>();
  /** Shipments terminated from Temporal that wait to be reset, by shipment id (order/terminated-shipment.ts). */
  readonly terminatedShipments = new Map<string, string>();
  /** How to start each shipment's journey again, should Temporal lose it (deleted: order/terminated-shipment.ts). */
  readonly restarts = new Map<string, () => Promise<ShipmentChild>>();
  readonly outcomes: ShipmentOutcome[] = [];
  readonly timelineEntries: TimelineEntry[];
  readonly timeline: Timeline;
  readonly stages: StageLog;
  readonly searchAttributes = new SearchAttributes();
  readonly escalations: Escalations;
  readonly alarm = new Alarm();
  private readonly memo = new EscalationMemo();
  private stageDetails = '';

  constructor(
    readonly input: OrderInput,
    /** v3 orders start v3 shipments; v2 orders v2 ones (shared/generation.ts). */
    readonly generation: Generation,
  ) {
    this.promisedBy = input.promisedBy;
    const carried = input.carriedOver;
    this.shipTo = carried?.shipTo ?? input.request.shipTo;
    this.addressVersion = carried?.addressVersion ?? 1;
    this.timelineEntries = carried?.timeline ?? [];
    this.timeline = new Timeline(this.timelineEntries);
    this.stages = new StageLog({ orderId: input.orderId }, carried?.stageInProgress);
    this.escalations = new Escalations(
      {
        orderId: input.orderId,
        label: `order ${input.orderId}`,
        timeScale: input.timeScale,
        timeline: this.timeline,
        endingBecause: () => (this.cancelReason === undefined ? undefined : 'being cancelled'),
        changed: async (change) => {
          this.showDetails();
          this.publishEscalated();
          await this.onMilestone({ kind: change.kind, orderId: input.orderId, escalation: change.escalation });
        },
      },
      carried?.escalations,
    );
    if (carried) {
      this.stage = 'backordered';
      this.shortages = carried.shortages;
      this.held = carried.held;
      this.backorderDeadlineMs = carried.backorderDeadlineMs;
      this.restocks = carried.restocksSeen;
      this.restockRecheckAtMs = carried.restockRecheckAtMs;
      this.armedRestockRecheck = carried.restockRecheckAtMs !== undefined;
      if (carried.promisedBy) {
        this.promisedBy = carried.promisedBy;
        this.backorderPromisedBy = carried.promisedBy;
      }
    }
  }

  /** Whether this run takes a change that v2 keeps behind a patch (shared/generation.ts). */
  takes(patchId: PatchId): boolean {
    return takes(this.generation, patchId);
  }

  /** Every milestone of the order passes here: the hook for reactions to them (a customer mail, a shop webhook). */
  async onMilestone(milestone: OrderMilestone): Promise<void> {
    // The customer's mail and the shop's order.promise_changed, from the outbox, once per new date; a v3
    // shipment's re-promise wrote them itself, in the transaction that moved the date.
    if (milestone.kind === 'repromised' && this.generation === 'v2') {
      const { orderId, previousPromisedBy, promisedBy, wording, reason } = milestone;
      await summarised(bookkeeping.announcePromiseChange, 'Tell the customer and the shop the new date', {
        orderId,
        previousPromisedBy,
        promisedBy,
        reason: wording,
        reasonCode: reason,
      });
    }
  }

  /**
   * Moves to `stage`: timeline, stage visits, current details, and its database status (with the stage
   * visits) and OrderStatus search attribute as ORDER_STAGE_PUBLICATION says.
   */
  async enterStage(stage: OrderStage, details: string, extra: { backorderDeadline?: string } = {}): Promise<void> {
    const final = isFinalOrderStage(stage);
    this.stages.enter(
      final ? undefined : orderTimingStage(stage),
      new Date().toISOString(),
      stage === 'cancelled' || stage === 'failed' ? stage : 'ok',
    );
    this.stage = stage;
    this.timeline.note('stage', ORDER_STAGE_WORDS[stage].label, details);
    this.stageDetails = details;
    this.showDetails();
    const view = final ? this.view() : undefined;
    await bookkeeping.recordOrderStage({
      orderId: this.input.orderId,
      status: stage,
      stages: this.stages.take(),
      ...extra,
      ...(view ? { packagingCostCents: view.packagingCostCents, shippingCostCents: view.shippingCostCents } : {}),
      // Activity input only (no command): the reason outlives the workflow in the order's row.
      ...(stage === 'cancelled' || stage === 'failed' ? { endReason: this.cancelReason ?? details } : {}),
    });
    if (ORDER_STAGE_PUBLICATION[stage] === 'index')
      this.searchAttributes.set({ key: searchAttributes.orderStatus, value: stage }).publish();
  }

  /** Current details lead with what is escalated, the order's own and its shipments', so no stage hides it. */
  showDetails(): void {
    const escalated = [...this.shipments.values()].flatMap((s) => {
      const open = s.escalations.filter((e) => !e.resolvedAt);
      return open.length > 0
        ? [`Shipment ${s.shipmentId} ESCALATED ${open.map((e) => `${e.reason} (${e.severity}): ${e.detail}`).join('; ')}`]
        : [];
    });
    const terminated = [...this.terminatedShipments.values()].map((id) => `Shipment ${id} TERMINATED in Temporal: reset it to resume`);
    const lines = [this.escalations.summary(), ...escalated, ...terminated].filter((line): line is string => line !== undefined);
    showCurrentDetails([...lines, this.stageDetails]);
    this.memo.show(lines.length > 0 ? lines.join('\n') : undefined);
  }

  publishEscalated(): void {
    const shipmentEscalated = [...this.shipments.values()].some((s) => s.escalations.some((e) => !e.resolvedAt));
    const escalated = this.escalations.anyOpen || shipmentEscalated || this.terminatedShipments.size > 0;
    this.searchAttributes.set({ key: searchAttributes.escalated, value: escalated }).publish();
  }

  stopIfCancelled(): void {
    if (this.cancelReason !== undefined) throw new OrderCancelled();
  }

  releaseAll(reason: string): Promise<unknown> {
    return summarised(stock.releaseReservations, 'Release all stock held for the order', { orderId: this.input.orderId, reason });
  }

  view(): OrderView {
    const { input } = this;
    const shipments = [...this.shipments.values()];
    return {
      orderId: input.orderId,
      workflowId: workflowInfo().workflowId,
      stage: this.stage,
      customerId: input.request.customer.id,
      serviceLevel: input.request.serviceLevel,
      promisedBy: this.promisedBy,
      receivedAt: input.receivedAt,
      shipTo: this.shipTo,
      shortages: this.shortages,
      ...(this.backorderDeadlineMs ? { backorderDeadline: new Date(this.backorderDeadlineMs).toISOString() } : {}),
      shipments,
      escalations: this.escalations.views,
      timeline: this.timelineEntries,
      packagingCostCents: shipments.reduce((sum, s) => sum + s.packagingCostCents, 0),
      shippingCostCents: shipments.reduce((sum, s) => sum + s.shippingCostCents, 0),
      ...(this.cancelReason ? { cancelReason: this.cancelReason } : {}),
    };
  }

  /** The outcome, once no update is still writing (an escalation answer's database close, a cancel waiting for the end). */
  async finish(stage: FinalOrderStage): Promise<OrderOutcome> {
    await condition(allHandlersFinished);
    await this.onMilestone({ kind: 'ended', orderId: this.input.orderId, stage });
    const view = this.view();
    return {
      orderId: this.input.orderId,
      stage,
      shipments: this.outcomes,
      packagingCostCents: view.packagingCostCents,
      shippingCostCents: view.shippingCostCents,
      shortages: this.shortages,
    };
  }
}

export function describeShortages(shortages: readonly LineShortage[], what: string): string {
  return `${shortages.map((s) => `${s.missing} × ${s.skuCode}`).join(', ')} ${what}`;
}
