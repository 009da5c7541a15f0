import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { ShipmentView, TrackingEventsSignal } from '../../domain/journey';
import {
  type EscalationDecision,
  type EscalationReason,
  FINAL_SHIPMENT_OUTCOME,
  type FinalShipmentStage,
  isFinalShipmentStage,
  SHIPMENT_STAGE_PUBLICATION,
  SHIPMENT_STAGE_WORDS,
  type ShipmentStage,
  type StagePublication,
} from '../../domain/lifecycle';
import type { ShipmentMilestone } from '../../domain/milestones';
import type { Address } from '../../domain/order';
import { stallWindowHours } from '../../domain/promise';
import { initialTrackingState, type TrackingState, waitEndsParcel } from '../../domain/tracking';
import { plannedShipmentView } from '../../domain/views';
import { bookkeeping, warehouseAt } from '../activity-options';
import type { StoredScans } from '../activity-types';
import { searchAttributes } from '../definitions';
import { Alarm } from '../shared/alarm';
import { Escalations } from '../shared/escalation';
import { type Generation, type PatchId, takes } from '../shared/generation';
import { EscalationMemo } from '../shared/memo';
import { SearchAttributes } from '../shared/search-attributes';
import { StageLog } from '../shared/stage-log';
import { CANCEL_REQUEST_REASON } from '../shared/cancel-request';
import { showCurrentDetails } from '../shared/current-details';
import { Timeline } from '../shared/timeline';
import { OrderLink } from './order-link';
import { Saga } from './saga';
import type { LabelInHand, Parcels, PendingScans, ScanWork, ShipmentInput, ShipmentOutcome, TrackingWatch } from './types';

export type { ScanWork } from './types';

/** The order called the shipment off before it left, or ops ended it: compensate and end so. */
export class StopShipment extends Error {
  constructor(readonly stage: Extract<FinalShipmentStage, 'cancelled' | 'refunded'>) {
    super(stage);
  }
}

/**
 * One shipment's state and the steps that change it. The journey itself (pick slot → pick → pack →
 * booking → tracking) is `travel` in workflow.ts; booking, tracking and the messages the shipment answers
 * (messages.ts) live in their own files and work on this state.
 */
export class ShipmentJourney {
  readonly view: ShipmentView;
  readonly timeline: Timeline;
  readonly stages: StageLog;
  readonly searchAttributes = new SearchAttributes();
  readonly escalations: Escalations;
  readonly saga: Saga;
  readonly alarm = new Alarm();
  private readonly memo = new EscalationMemo();
  private readonly orderLink: OrderLink;
  /** The warehouse the shipment leaves from: the one it was planned at until an outage moves it. */
  warehouseCode: string;
  warehouse: ReturnType<typeof warehouseAt>;
  /** Why the warehouse counts as down, from ops (signal), a refused pick or an unserved queue; cleared by a move. */
  warehouseDown: string | undefined;
  /** Ops declared the warehouse up again: a shipment with nowhere else to go tries it again at once. */
  warehouseUp = false;
  readonly inbox: TrackingEventsSignal[] = [];
  readonly unrecordedScans: PendingScans = [];
  shipTo: Address;
  tracking: TrackingState;
  label: LabelInHand | undefined;
  parcels: Parcels | undefined;
  dispatched: boolean;
  savingCents: number;
  watch: TrackingWatch;
  cancelReason: string | undefined;
  pendingAddress: Address | undefined;
  /** The order waits to hear if its address change reached the parcel (answerAddress); never set before the patch. */
  addressOwed = false;
  /** Set when ops re-shipped the parcel: the order re-fulfils it as a replacement shipment. */
  replacement: ShipmentOutcome['reshipped'];
  private stageDetails = '';

  constructor(
    readonly input: ShipmentInput,
    readonly generation: Generation,
  ) {
    const carried = input.carriedOver;
    this.view =
      carried?.view ??
      plannedShipmentView({
        shipmentId: input.shipmentId,
        workflowId: workflowInfo().workflowId,
        warehouseCode: input.warehouseCode,
        lines: input.lines,
        promisedBy: input.promisedBy,
      });
    this.timeline = new Timeline(this.view.timeline);
    this.orderLink = new OrderLink(this.timeline);
    this.stages = new StageLog({ orderId: input.orderId, shipmentId: input.shipmentId }, carried?.stageInProgress);
    this.saga = new Saga(carried?.saga ?? [{ step: 'release stock' }]);
    this.warehouseCode = carried?.view.warehouseCode ?? input.warehouseCode;
    this.warehouse = warehouseAt(this.warehouseCode);
    this.shipTo = carried?.shipTo ?? input.shipTo;
    this.tracking = carried?.tracking ?? initialTrackingState();
    this.label = carried?.label;
    this.parcels = carried?.parcels;
    this.dispatched = carried?.dispatched ?? false;
    this.savingCents = carried?.savingCents ?? 0;
    this.watch = carried?.watch ?? { stallBaseMs: Date.now(), lateEscalated: false };
    this.escalations = new Escalations(
      {
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        label: `shipment ${input.shipmentId}`,
        timeScale: input.timeScale,
        timeline: this.timeline,
        waitEnds: () => waitEndsParcel(this.tracking.status),
        endingBecause: () => (this.cancelReason === undefined || this.dispatched ? undefined : 'being cancelled'),
        changed: async (change) => {
          this.showDetails();
          this.searchAttributes.set({ key: searchAttributes.escalated, value: this.escalations.anyOpen }).publish();
          await this.onMilestone({ kind: change.kind, shipmentId: input.shipmentId, escalation: change.escalation });
        },
      },
      carried?.escalations,
    );
    // One list: what the tracker opens and closes is what the view shows.
    this.view.escalations = this.escalations.views;
  }

  /**
   * Ops cancelled this shipment from Temporal itself (shared/cancel-request.ts): taken as its order's
   * cancel would be (compensation in reverse) until the carrier has the parcel, refused in the timeline after.
   */
  takeCancelRequest(): void {
    if (this.dispatched) {
      this.timeline.note('note', 'cancellation in Temporal refused', 'the carrier already has the parcel (ask for a return instead)');
      return;
    }
    this.cancelReason ??= CANCEL_REQUEST_REASON;
  }

  /** Whether this run takes a change that v2 keeps behind a patch (shared/generation.ts). */
  takes(patchId: PatchId): boolean {
    return takes(this.generation, patchId);
  }

  /** Business hours without a scan before the shipment counts as stuck. */
  get stallWindowHours(): number {
    return stallWindowHours(this.input.serviceLevel);
  }

  /**
   * Every milestone of the shipment passes here: the hook for reactions to them (a customer mail, a shop
   * webhook, a re-promise). Today: the order hears those it acts on.
   */
  onMilestone(milestone: ShipmentMilestone): Promise<void> {
    return this.orderLink.tell(milestone);
  }

  /**
   * Moves to `stage`: the view, the timeline, the stage visits, current details; and, as the lifecycle
   * says for this stage, its database status and search attribute (domain/lifecycle.ts).
   */
  async enterStage(
    stage: ShipmentStage,
    details: string,
    publication: StagePublication = SHIPMENT_STAGE_PUBLICATION[stage],
    withScans: ScanWork = {},
  ): Promise<StoredScans | undefined> {
    this.moveTo(stage, details, new Date().toISOString());
    return this.announce(details, publication, withScans);
  }

  /**
   * Moves to `stage` as an activity wrote it in its own transaction (status, every visit so far, `stage` from `at`);
   * `indexed`: its search attribute is set already (by the shipment's start).
   */
  enterWrittenStage(stage: ShipmentStage, details: string, at: string, indexed = false): void {
    this.moveTo(stage, details, at);
    this.stages.take();
    this.stageDetails = details;
    this.showDetails();
    if (!indexed && SHIPMENT_STAGE_PUBLICATION[stage] === 'index') this.publishStatus();
  }

  private moveTo(stage: ShipmentStage, details: string, at: string): void {
    this.view.stage = stage;
    this.timeline.note('stage', SHIPMENT_STAGE_WORDS[stage].label, details);
    const final = isFinalShipmentStage(stage);
    this.stages.enter(final ? undefined : stage, at, final ? FINAL_SHIPMENT_OUTCOME[stage] : 'ok');
  }

  /** Says what the shipment is doing now, and writes its stage out as `publication` says (no new visit). */
  async announce(details: string, publication: StagePublication, withScans: ScanWork = {}): Promise<StoredScans | undefined> {
    this.stageDetails = details;
    this.showDetails();
    if (publication === 'later') return undefined;
    const stored = await this.recordStatus(withScans);
    if (publication === 'index') this.publishStatus();
    return stored;
  }

  /**
   * Writes the current stage as the database status, with the stage visits and any scans not yet written;
   * a v3 shipment writes its scans in one local activity that also does `withScans`.
   */
  async recordStatus(withScans: ScanWork = {}): Promise<StoredScans | undefined> {
    const { shipmentId } = this.input;
    if (this.unrecordedScans.length === 0) {
      await bookkeeping.recordShipmentStage({ shipmentId, status: this.view.stage, stages: this.stages.take() });
      return undefined;
    }
    const batches = this.unrecordedScans.splice(0);
    if (this.generation === 'v3') {
      const { lastScanAt } = this.tracking;
      return bookkeeping.storeScans({ shipmentId, batches, status: this.view.stage, lastScanAt, stages: this.stages.take(), ...withScans });
    }
    for (const [i, batch] of batches.entries()) {
      await bookkeeping.recordTrackingEvents({
        shipmentId,
        source: batch.source,
        events: batch.events,
        status: this.view.stage,
        lastScanAt: this.tracking.lastScanAt,
        ...(i === batches.length - 1 ? { stages: this.stages.take() } : {}),
      });
    }
    return undefined;
  }

  publishStatus(): void {
    this.searchAttributes
      .set(
        { key: searchAttributes.shipmentStatus, value: this.view.stage },
        { key: searchAttributes.escalated, value: this.escalations.anyOpen },
        ...(this.view.carrierCode ? [{ key: searchAttributes.carrier, value: [this.view.carrierCode] }] : []),
      )
      .publish();
  }

  /** Current details lead with what is escalated, so no stage hides it; the memo carries it for `workflow describe`. */
  showDetails(): void {
    const escalated = this.escalations.summary();
    showCurrentDetails([escalated, this.stageDetails]);
    this.memo.show(escalated);
  }

  stopIfCancelled(): void {
    if (this.cancelReason !== undefined) throw new StopShipment('cancelled');
  }

  /** An address that changed while the shipment was still in the warehouse is the one to book. */
  takePendingAddress(): void {
    if (this.pendingAddress === undefined) return;
    this.shipTo = this.pendingAddress;
    this.pendingAddress = undefined;
  }

  /** Tells the order whether its address change reached the parcel, when it waits for the answer (addressOwed). */
  async answerAddress(taken: boolean): Promise<void> {
    if (!this.addressOwed) return;
    this.addressOwed = false;
    if (!taken) this.timeline.note('note', 'address change overtaken by the carrier', 'the carrier had the parcel first');
    await this.onMilestone({ kind: 'address_answered', shipmentId: this.input.shipmentId, taken });
  }

  /** Before tracking there is nothing else to do: open the escalation and wait for ops (or a cancel). */
  async escalateAndWait(reason: EscalationReason, detail: string): Promise<EscalationDecision> {
    await this.escalations.raise(reason, detail);
    for (;;) {
      await this.alarm.wait(
        () => this.escalations.hasAnswer() || this.cancelReason !== undefined,
        this.escalations.nextStepAtMs(),
        `Waiting for ops to answer the ${reason} escalation`,
      );
      this.stopIfCancelled();
      const answered = this.escalations.takeAnswered();
      if (answered) {
        this.showDetails();
        return answered.answer.decision;
      }
      await this.escalations.stepUpDue();
    }
  }

  /** The last stage, written with every visit and scan still pending; waits for updates still writing. */
  async finish(stage: FinalShipmentStage): Promise<void> {
    if (this.view.stage !== stage) await this.enterStage(stage, `Shipment ${SHIPMENT_STAGE_WORDS[stage].label}`);
    else if (this.unrecordedScans.length > 0) await this.recordStatus();
    await this.escalations.resolveByFacts(`the shipment ended ${SHIPMENT_STAGE_WORDS[stage].label}`);
    // An address change that came after the carrier's last word: the parcel went where its label said. Other ends
    // (cancelled, refunded) leave the order to learn from the outcome that the parcel is not travelling at all.
    if (this.pendingAddress !== undefined && this.dispatched) await this.answerAddress(false);
    this.publishStatus();
    // The decision that ended the shipment may still be closing its escalation in the database.
    await condition(allHandlersFinished);
    await this.onMilestone({ kind: 'ended', shipmentId: this.input.shipmentId, stage });
  }
}
