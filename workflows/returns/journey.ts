import { ActivityFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { TimelineEntry } from '../../domain/journey';
import {
  FINAL_RETURN_STATUSES,
  labelExpiresAtMs,
  RETURN_EXPIRED_REASON,
  RETURN_SEVERITY_STEP_HOURS,
  type ReturnStatus,
} from '../../domain/return-policy';
import { TRACKING_EVENTS_SIGNAL } from '../../domain/message-shapes';
import { CANCEL_REQUEST_REASON, outsideCancelledScope } from '../shared/cancel-request';
import { Escalations } from '../shared/escalation';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { guardedSignal, SCAN_SCREENS } from '../shared/message-guards';
import { Timeline } from '../shared/timeline';
import { RETURN_ESCALATION_ACTIVITIES, returnCarrier, returnsDb } from './activity-options';
import {
  inspectReturnUpdate,
  type ReturnInspectionInput,
  type ReturnOutcome,
  type ReturnWorkflowInput,
  type ReturnWorkflowView,
  returnScansSignal,
  returnStatusQuery,
} from './definitions';
import { settleInspectedGoods, validateInspection } from './inspection';
import { ReturnParcelTracking } from './parcel-tracking';
import { ReturnSearchAttributes } from './search-attributes';
import { showCurrentDetails } from '../shared/current-details';

/**
 * return-<id>: one return (RMA) from the label to the refund. Each stage is a method, but the longest, following the
 * parcel back (following.ts, working on this state); the workflow function runs them in order. Everything it knows is in
 * the return's row (read by `loadReturn`), so it carries no name or address; every side effect is an idempotent activity.
 */
export class ReturnJourney {
  status: ReturnStatus = 'requested';
  readonly parcel: ReturnParcelTracking;
  inspection: ReturnInspectionInput | undefined;
  /** The one escalation tracker every workflow shares (workflows/shared/escalation.ts); one open at a time here. */
  readonly escalations: Escalations;
  private lines: { lineNo: number; quantity: number }[] = [];
  expiresAtMs = 0;
  cancelRequested = false;
  private refundCents: number | undefined;
  private broughtBackByCarrier = false;
  /** The return had ended before this run, its goods received again after (only a reset run starts on it). */
  private endedAs: ReturnOutcome['status'] | undefined;
  private readonly view: ReturnWorkflowView;
  private readonly attributes: ReturnSearchAttributes;

  constructor(readonly input: ReturnWorkflowInput) {
    this.view = { returnId: input.returnId, orderId: input.orderId, status: 'requested', escalations: [], timeline: [] };
    this.attributes = new ReturnSearchAttributes(input.orderId);
    this.escalations = new Escalations({
      orderId: input.orderId,
      returnId: input.returnId,
      label: `return ${input.returnId}`,
      timeScale: input.timeScale,
      timeline: new Timeline(this.view.timeline),
      severityStepHours: RETURN_SEVERITY_STEP_HOURS,
      activities: RETURN_ESCALATION_ACTIVITIES,
      endingBecause: () => (this.cancelRequested ? 'being cancelled' : undefined),
      changed: async () => this.attributes.escalated(this.escalations.anyOpen),
    });
    this.view.escalations = this.escalations.views;
    this.parcel = new ReturnParcelTracking({
      returnId: input.returnId,
      timeScale: input.timeScale,
      view: this.view,
      scansTaken: () => this.scansTaken(),
    });
  }

  /** An escalation is open, answered or not yet (an answer not acted on still holds the parcel's deadlines). */
  get escalated(): boolean {
    return this.escalations.isOpen() || this.escalations.hasAnswer();
  }

  /** Queries, scans, the inspection and ops' answers to an escalation. */
  listen(): void {
    setHandler(returnStatusQuery, () => ({ ...this.view, status: this.status }));
    guardedSignal(
      returnScansSignal,
      TRACKING_EVENTS_SIGNAL,
      (batch) => {
        this.parcel.receive(batch.source, batch.events);
      },
      (note) => this.note('note', 'message ignored', note),
      SCAN_SCREENS,
    );
    setHandler(
      inspectReturnUpdate,
      (inspection) =>
        outsideCancelledScope(async () => {
          this.inspection = inspection;
          await condition(() => this.refundCents !== undefined || FINAL_RETURN_STATUSES.includes(this.status));
          return { ...this.view, status: this.status };
        }),
      {
        validator: (inspection) =>
          validateInspection(
            {
              returnId: this.input.returnId,
              status: this.endedAs ?? this.status,
              alreadyInspected: this.inspection !== undefined,
              lines: this.lines,
            },
            inspection,
          ),
      },
    );
  }

  /** Reads the return's row: a workflow started again after a crash carries on from what is stored. */
  async load(): Promise<void> {
    const facts = await returnsDb.loadReturn({ returnId: this.input.returnId });
    this.lines = facts.lines;
    this.parcel.useLabel(facts);
    if (facts.labelExpiresAt) this.expiresAtMs = Date.parse(facts.labelExpiresAt);
    // Only returns opened by a shipment whose parcel came back carry it: every earlier history loads without it.
    this.broughtBackByCarrier = facts.broughtBackByCarrier === true;
    // Completed before this run (only a reset run starts on it): the run ends with the refund it was settled with.
    if (facts.refundCents !== undefined) this.view.refundCents = this.refundCents = facts.refundCents;
    this.moveTo(facts.status, facts.broughtBackByCarrier ? 'brought back by the carrier' : 'loaded');
    // Ended, then its goods arrived: the API inspects them in the database (api/services/late-return-arrivals.ts).
    this.endedAs = facts.endedAs;
    // Escalations a run it replaced opened (a reset run): answered, stepped up and closed here, and shown as open.
    if (facts.escalations) this.escalations.adopt(facts.escalations.seq, facts.escalations.open);
    if (facts.escalations) this.attributes.escalated(this.escalations.anyOpen);
    if (facts.endedAs) this.note('note', `${facts.endedAs} before its goods arrived`, 'their inspection is recorded in the database');
  }

  /** The carrier brought the parcel back to the warehouse: no label, no parcel to follow, only the inspection. */
  get atWarehouseWithoutLabel(): boolean {
    return this.broughtBackByCarrier && this.status === 'received';
  }

  /** Waits for the warehouse's inspection of goods that are already there, then settles it. */
  async awaitInspection(): Promise<ReturnOutcome> {
    showCurrentDetails(['At the warehouse, brought back by the carrier: waiting for the inspection (restock or write off)']);
    await condition(() => this.inspection !== undefined);
    if (!this.inspection) throw new Error('unreachable: no inspection');
    return this.settleInspected(this.inspection);
  }

  get ended(): boolean {
    return this.endedAs !== undefined || FINAL_RETURN_STATUSES.includes(this.status);
  }

  /** Where the return stands, as the workflow's result. */
  outcome(): ReturnOutcome {
    const status = this.endedAs ?? (this.status === 'completed' || this.status === 'expired' ? this.status : 'cancelled');
    return { returnId: this.input.returnId, status, refundCents: this.refundCents ?? 0 };
  }

  get hasLabel(): boolean {
    return this.status !== 'requested';
  }

  /** Buys the prepaid return label and sends the customer the return steps with it. */
  async bookLabel(): Promise<boolean> {
    showCurrentDetails(['Buying the return label']);
    const expiresAt = new Date(labelExpiresAtMs(Date.now(), this.input.timeScale)).toISOString();
    try {
      const label = await returnCarrier.buyReturnLabel({ returnId: this.input.returnId, expiresAt });
      this.parcel.useLabel(label);
      this.expiresAtMs = Date.parse(label.expiresAt);
    } catch (error) {
      // No carrier sells a return label for this parcel: the return cannot go on; the shop hears why.
      log.warn('return label refused', { returnId: this.input.returnId, error: String(error) });
      await this.advance('cancelled', 'no carrier could sell a return label');
      return false;
    }
    this.view.trackingNumber = this.parcel.trackingNumber;
    await this.advance('label_created');
    return true;
  }

  /** The first real scan means the label was used; delivered means the goods are at the warehouse. */
  private async scansTaken(): Promise<void> {
    if (this.parcel.status === 'delivered') {
      await this.advance('received');
      await this.escalations.resolveByFacts('the parcel reached the warehouse');
    } else if (this.parcel.status !== 'label_created' && this.status === 'label_created') {
      await this.advance('in_transit');
    }
    if (this.parcel.status === 'in_transit') await this.escalations.resolveByFacts('a new carrier scan arrived', ['return_stuck']);
  }

  /**
   * Ops cancelled the return from Temporal itself (shared/cancel-request.ts): taken while the label is
   * unused (voided, the return closed cancelled), refused in the timeline once the goods are on their way.
   */
  takeCancelRequest(): void {
    const unused = this.status === 'requested' || (this.status === 'label_created' && this.parcel.status === 'label_created');
    if (unused && !this.ended) {
      this.cancelRequested = true;
      return;
    }
    this.note(
      'note',
      'cancellation in Temporal refused',
      `the return is ${this.status.replace(/_/g, ' ')}: inspect the goods, or answer its escalation`,
    );
  }

  async callOff(): Promise<ReturnOutcome> {
    this.noteVoid(await returnCarrier.voidReturnLabel({ returnId: this.input.returnId }), CANCEL_REQUEST_REASON);
    return this.close('cancelled', CANCEL_REQUEST_REASON);
  }

  async expire(): Promise<ReturnOutcome> {
    this.noteVoid(await returnCarrier.voidReturnLabel({ returnId: this.input.returnId }), 'never used before it expired');
    return this.close('expired', RETURN_EXPIRED_REASON);
  }

  /** A carrier that refuses the void (it scanned the label after all, unheard yet) is answered: a note, the return goes on. */
  private noteVoid = (answer: { refused?: string }, why: string): void =>
    answer.refused === undefined
      ? this.note('note', 'return label voided', why)
      : this.note('note', 'return label not voided', answer.refused);

  async close(status: 'expired' | 'cancelled', reason: string): Promise<ReturnOutcome> {
    await this.escalations.resolveByFacts(reason);
    await this.advance(status, reason);
    return { returnId: this.input.returnId, status, refundCents: 0 };
  }

  async settleInspected(inspection: ReturnInspectionInput): Promise<ReturnOutcome> {
    showCurrentDetails(['Moving the inspected goods in the ledger and telling the shop the refund due']);
    await this.escalations.resolveByFacts('the goods were inspected at the warehouse');
    const labelUnused = this.status === 'label_created' && this.parcel.status === 'label_created';
    const { settled, woken } = await settleInspectedGoods(this.input.returnId, inspection);
    if (woken.length > 0) this.note('note', 'returned stock offered', `to ${woken.join(', ')}, waiting for it`);
    // The goods came in without the carrier ever scanning the label (handed in at the warehouse): its price is asked back,
    // as for a label that expires. Asked only then: a return whose parcel travelled never meets the marker.
    if (labelUnused && takesLater(LATER_PATCHES.unusedReturnLabelVoided)) await this.voidUnusedLabel();
    return this.completed(settled.refundCents, `inspected by ${inspection.inspectedBy}`);
  }

  /** A void refused in an activity failure (workers of the release before threw the carrier's refusal) leaves a note too. */
  private async voidUnusedLabel(): Promise<void> {
    const why = 'the goods came in without the carrier scanning it';
    try {
      this.noteVoid(await returnCarrier.voidReturnLabel({ returnId: this.input.returnId }), why);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      this.note('note', 'return label not voided', error.cause?.message ?? error.message);
    }
  }

  /**
   * A `delivered` scan signalled while the return took its last step (the webhook read the row before that step made it
   * final) would close with the workflow, the goods at the warehouse never counted back: they are received again for
   * inspection, as the webhook receives the parcel of a return closed already (api/services/late-return-arrivals.ts).
   */
  async receiveArrivalAfterClose(): Promise<void> {
    if (!this.parcel.hasNews || this.inspection) return;
    const scans = this.parcel.takeQueued();
    const delivered = scans.find((scan) => scan.status === 'delivered');
    // Asked only when such a scan waits: a history that never met one never meets the marker.
    if (!delivered || !takesLater(LATER_PATCHES.arrivalAfterCloseReceived)) return;
    const received = await returnsDb.receiveReturnAfterClose({ returnId: this.input.returnId, scans, at: delivered.occurredAt });
    if (received) this.note('stage', 'received again', 'the parcel reached the warehouse as the return closed: waiting for its inspection');
  }

  async settleWithoutGoods(decidedBy: string): Promise<ReturnOutcome> {
    const settled = await returnsDb.settleReturn({
      returnId: this.input.returnId,
      settlement: { kind: 'refunded_without_goods', decidedBy },
      at: new Date().toISOString(),
    });
    return this.completed(settled.refundCents, `refunded without the goods (${decidedBy})`);
  }

  private completed(refundCents: number, why: string): ReturnOutcome {
    this.refundCents = refundCents;
    this.view.refundCents = refundCents;
    this.moveTo('completed', why);
    return { returnId: this.input.returnId, status: 'completed', refundCents };
  }

  private async advance(status: ReturnStatus, reason?: string): Promise<void> {
    const at = new Date().toISOString();
    const moved = await returnsDb.advanceReturn({ returnId: this.input.returnId, status, at, ...(reason ? { reason } : {}) });
    this.moveTo(moved.status, reason);
  }

  private moveTo(status: ReturnStatus, detail?: string): void {
    if (status === this.status && this.view.timeline.length > 0) return;
    this.status = this.view.status = status;
    this.attributes.status(status);
    this.note('stage', status.replace(/_/g, ' '), detail);
  }

  private note(kind: TimelineEntry['kind'], label: string, detail?: string): void {
    this.view.timeline.push({ at: new Date().toISOString(), kind, label, ...(detail ? { detail } : {}) });
  }
}
