import { ApplicationFailure, condition, log, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { hoursToRealMs } from '../../domain/clock';
import type { TimelineEntry } from '../../domain/journey';
import {
  arrivalDeadlineMs,
  FINAL_RETURN_STATUSES,
  inspectionProblems,
  labelExpiresAtMs,
  RETURN_SEVERITY_STEP_HOURS,
  RETURN_STALL_WINDOW_HOURS,
  type ReturnStatus,
  stallWindowMs,
} from '../../domain/return-policy';
import { applyTrackingEvents, initialTrackingState, type NormalisedTrackingEvent, type TrackingState } from '../../domain/tracking';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { type EscalationActivities, Escalations } from '../shared/escalation';
import { Timeline } from '../shared/timeline';
import { returnCarrier, returnsDb } from './activity-options';
import {
  inspectReturnUpdate,
  type ReturnInspectionInput,
  type ReturnOutcome,
  type ReturnWorkflowInput,
  type ReturnWorkflowView,
  returnScansSignal,
  returnStatusQuery,
} from './definitions';

/**
 * Business hours between polls of a carrier that pushes no scans (and, as a safety net, of one that does,
 * unless its backend gives a poll fraction: then as outbound parcels, see `nextPollAfter`).
 */
const POLL_HOURS = 4;
const SAFETY_POLL_HOURS = 36;

/** A return's escalation rows and alerts are activities on the orders queue (as first recorded: histories replay them). */
const RETURN_ESCALATION_ACTIVITIES: EscalationActivities = {
  openEscalation: (input) => returnsDb.openEscalation(input),
  raiseEscalationSeverity: (input) => returnsDb.raiseEscalationSeverity(input),
  closeEscalation: (input) => returnsDb.closeEscalation(input),
  notifyEscalation: (input) => returnsDb.notifyEscalation(input),
};

/**
 * return-<id>: one return (RMA) from the label to the refund. Each stage is a method; the workflow
 * function runs them in order. Everything it knows is in the return's row (read by `loadReturn`), so it
 * carries no name or address; every side effect is an idempotent activity.
 */
export class ReturnJourney {
  private status: ReturnStatus = 'requested';
  private tracking: TrackingState = initialTrackingState();
  private readonly inbox: { source: 'webhook' | 'poll'; events: CarrierTrackingEvent[] }[] = [];
  private inspection: ReturnInspectionInput | undefined;
  /** The one escalation tracker every workflow shares (workflows/shared/escalation.ts); one open at a time here. */
  private readonly escalations: Escalations;
  private lines: { lineNo: number; quantity: number }[] = [];
  private carrierCode: string | undefined;
  private trackingNumber: string | undefined;
  private carrierPushesScans = false;
  /** ShipEngine's COLIS_SHIPENGINE_POLL_FRACTION, travelling with the label; absent for labels bought before it (old cadence). */
  private pollStallFraction: number | undefined;
  private expiresAtMs = 0;
  private refundCents: number | undefined;
  private readonly view: ReturnWorkflowView;

  constructor(private readonly input: ReturnWorkflowInput) {
    this.view = { returnId: input.returnId, orderId: input.orderId, status: 'requested', escalations: [], timeline: [] };
    this.escalations = new Escalations({
      orderId: input.orderId,
      returnId: input.returnId,
      label: `return ${input.returnId}`,
      timeScale: input.timeScale,
      timeline: new Timeline(this.view.timeline),
      severityStepHours: RETURN_SEVERITY_STEP_HOURS,
      activities: RETURN_ESCALATION_ACTIVITIES,
      changed: async () => {},
    });
    this.view.escalations = this.escalations.views;
  }

  /** An escalation is open, answered or not yet (an answer not acted on still holds the parcel's deadlines). */
  private get escalated(): boolean {
    return this.escalations.isOpen() || this.escalations.hasAnswer();
  }

  private realHours(hours: number): number {
    return hoursToRealMs(hours, this.input.timeScale);
  }

  /** Queries, scans, the inspection and ops' answers to an escalation. */
  listen(): void {
    setHandler(returnStatusQuery, () => ({ ...this.view, status: this.status }));
    setHandler(returnScansSignal, (batch) => {
      this.inbox.push({ source: batch.source, events: batch.events });
    });
    setHandler(
      inspectReturnUpdate,
      async (inspection) => {
        this.inspection = inspection;
        await condition(() => this.refundCents !== undefined || FINAL_RETURN_STATUSES.includes(this.status));
        return { ...this.view, status: this.status };
      },
      {
        validator: (inspection) => {
          if (this.inspection || FINAL_RETURN_STATUSES.includes(this.status)) {
            throw ApplicationFailure.nonRetryable(
              `return ${this.input.returnId} is ${this.status}: nothing to inspect`,
              'ReturnStateConflict',
            );
          }
          if (this.status === 'requested') {
            throw ApplicationFailure.nonRetryable(
              `return ${this.input.returnId} has no label yet: nothing can have arrived`,
              'ReturnStateConflict',
            );
          }
          const problems = inspectionProblems(this.lines, inspection.lines);
          if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
        },
      },
    );
  }

  /** Reads the return's row: a workflow started again after a crash carries on from what is stored. */
  async load(): Promise<void> {
    const facts = await returnsDb.loadReturn({ returnId: this.input.returnId });
    this.lines = facts.lines;
    this.carrierCode = facts.carrierCode;
    this.trackingNumber = facts.trackingNumber;
    this.carrierPushesScans = facts.carrierPushesScans;
    this.pollStallFraction = facts.pollStallFraction;
    if (facts.labelExpiresAt) this.expiresAtMs = Date.parse(facts.labelExpiresAt);
    this.moveTo(facts.status, 'loaded');
  }

  get ended(): boolean {
    return FINAL_RETURN_STATUSES.includes(this.status);
  }

  /** Where the return stands, as the workflow's result. */
  outcome(): ReturnOutcome {
    const status = this.status === 'completed' || this.status === 'expired' ? this.status : 'cancelled';
    return { returnId: this.input.returnId, status, refundCents: this.refundCents ?? 0 };
  }

  get hasLabel(): boolean {
    return this.status !== 'requested';
  }

  /** Buys the prepaid return label and sends the customer the return steps with it. */
  async bookLabel(): Promise<boolean> {
    setCurrentDetails('Buying the return label');
    const expiresAt = new Date(labelExpiresAtMs(Date.now(), this.input.timeScale)).toISOString();
    try {
      const label = await returnCarrier.buyReturnLabel({ returnId: this.input.returnId, expiresAt });
      this.carrierCode = label.carrierCode;
      this.trackingNumber = label.trackingNumber;
      this.carrierPushesScans = label.carrierPushesScans;
      this.pollStallFraction = label.pollStallFraction;
      this.expiresAtMs = Date.parse(label.expiresAt);
    } catch (error) {
      // No carrier sells a return label for this parcel: the return cannot go on; the shop hears why.
      log.warn('return label refused', { returnId: this.input.returnId, error: String(error) });
      await this.advance('cancelled', 'no carrier could sell a return label');
      return false;
    }
    this.view.trackingNumber = this.trackingNumber;
    await this.advance('label_created');
    return true;
  }

  /**
   * Follows the parcel back: waits for the customer to use the label (voided when it expires unused),
   * then for its scans to the warehouse, escalating a parcel that stalls or is late, until the goods
   * are inspected, or ops refund or close the return.
   */
  async followParcel(): Promise<ReturnOutcome> {
    let stallBaseMs = Date.now();
    let lateEscalated = false;
    let firstScanMs: number | undefined;
    let brokenEscalatedFor: string | undefined;
    let nextPollMs = this.nextPollAfter(Date.now());
    for (;;) {
      const used = this.tracking.status !== 'label_created';
      const arrived = this.status === 'received';
      const lastScanMs = this.tracking.lastScanAt ? Date.parse(this.tracking.lastScanAt) : 0;
      const stallAtMs = Math.max(stallBaseMs, lastScanMs) + stallWindowMs(this.input.timeScale);
      const lateAtMs = firstScanMs === undefined ? Number.POSITIVE_INFINITY : arrivalDeadlineMs(firstScanMs, this.input.timeScale);
      const deadlines = [arrived ? Number.POSITIVE_INFINITY : nextPollMs];
      if (!used) deadlines.push(this.expiresAtMs);
      deadlines.push(this.escalations.nextStepAtMs() ?? Number.POSITIVE_INFINITY);
      if (used && !arrived && !this.escalated) deadlines.push(stallAtMs, lateEscalated ? Number.POSITIVE_INFINITY : lateAtMs);
      const wakeAtMs = Math.min(...deadlines);
      setCurrentDetails(this.details(wakeAtMs));
      await condition(
        () => this.inbox.length > 0 || this.inspection !== undefined || this.escalations.hasAnswer(),
        Number.isFinite(wakeAtMs) ? Math.max(1, wakeAtMs - Date.now()) : undefined,
      );

      const lastScanBefore = this.tracking.lastScanAt;
      while (this.inbox.length > 0) {
        const batch = this.inbox.shift();
        if (batch) await this.absorb(batch.source, batch.events);
      }
      // A carrier polled as a safety net is asked again only once its scans stop (the fraction counts from the newest).
      if (this.pollsByFraction && this.tracking.lastScanAt !== lastScanBefore) nextPollMs = this.nextPollAfter(Date.now());
      if (firstScanMs === undefined && this.tracking.status !== 'label_created') firstScanMs = lastScanMsOf(this.tracking) ?? Date.now();
      if (this.inspection) return this.settleInspected(this.inspection);
      const answered = this.escalations.takeAnswered();
      if (answered) {
        const { decision, resolvedBy } = answered.answer;
        if (decision === 'refund') return this.settleWithoutGoods(resolvedBy);
        if (decision === 'cancel') return this.close('cancelled', `closed by ${resolvedBy}`);
        stallBaseMs = Date.now();
        continue;
      }
      const now = Date.now();
      if (this.tracking.status === 'label_created' && now >= this.expiresAtMs) return this.expire();
      if (this.status !== 'received' && now >= nextPollMs) {
        await this.poll();
        nextPollMs = this.nextPollAfter(Date.now());
        continue;
      }
      if (this.escalations.isOpen()) {
        await this.escalations.stepUpDue();
        continue;
      }
      if (this.status === 'received' || this.tracking.status === 'label_created') continue;
      if (['lost', 'returned_to_sender', 'exception'].includes(this.tracking.status)) {
        if (brokenEscalatedFor === this.tracking.status) continue;
        brokenEscalatedFor = this.tracking.status;
        await this.escalations.raise(
          'return_stuck',
          `carrier reports ${this.tracking.status.replace(/_/g, ' ')} for ${this.trackingNumber}`,
        );
      } else if (now >= stallAtMs) {
        // Webhooks may have been lost: a carrier polled by fraction is asked once more before the parcel is called stuck.
        if (this.pollsByFraction && (await this.pollFoundScan())) {
          nextPollMs = this.nextPollAfter(Date.now());
          continue;
        }
        await this.escalations.raise(
          'return_stuck',
          `no scan of return parcel ${this.trackingNumber} within ${RETURN_STALL_WINDOW_HOURS} h`,
        );
      } else if (!lateEscalated && now >= lateAtMs) {
        lateEscalated = true;
        await this.escalations.raise(
          'return_late',
          `return parcel ${this.trackingNumber} not at the warehouse within its transit allowance`,
        );
      }
    }
  }

  /** Takes carrier scans in through the tracking status model; the first real scan means the label was used. */
  private async absorb(source: 'webhook' | 'poll', raw: CarrierTrackingEvent[]): Promise<void> {
    const normalised: NormalisedTrackingEvent[] = [];
    for (const event of raw) {
      if (event.trackingNumber !== this.trackingNumber) continue;
      const result = normaliseCarrierEvent(event);
      if (result.ok) normalised.push(result.event);
    }
    const update = applyTrackingEvents(this.tracking, normalised);
    this.tracking = update.state;
    const duplicates = new Set(update.ignored.filter((i) => i.reason === 'duplicate').map((i) => i.event));
    const fresh = normalised.filter((e) => !duplicates.has(e));
    if (fresh.length === 0) return;
    await returnsDb.recordReturnScans({ returnId: this.input.returnId, source, events: fresh, lastScanAt: this.tracking.lastScanAt });
    for (const e of fresh)
      this.view.timeline.push({
        at: e.occurredAt,
        kind: 'tracking',
        label: e.status.replace(/_/g, ' '),
        detail: e.detail,
        location: e.location,
      });
    this.view.trackingStatus = this.tracking.status;
    this.view.lastScanAt = this.tracking.lastScanAt ?? undefined;
    if (this.tracking.status === 'delivered') {
      await this.advance('received');
      await this.escalations.resolveByFacts('the parcel reached the warehouse');
    } else if (this.tracking.status !== 'label_created' && this.status === 'label_created') {
      await this.advance('in_transit');
    }
    if (this.tracking.status === 'in_transit') await this.escalations.resolveByFacts('a new carrier scan arrived', ['return_stuck']);
  }

  /**
   * When to poll after `fromMs`: a carrier without webhooks every few hours; one that pushes scans after
   * 36 h as a safety net; one whose backend gives a poll fraction (ShipEngine) once that fraction of the
   * stall window passes without a scan, as its outbound parcels are (workflows/shipment/tracking.ts).
   */
  private nextPollAfter(fromMs: number): number {
    const fraction = this.carrierPushesScans ? this.pollStallFraction : undefined;
    if (fraction !== undefined) return fromMs + stallWindowMs(this.input.timeScale) * fraction;
    return fromMs + this.realHours(this.carrierPushesScans ? SAFETY_POLL_HOURS : POLL_HOURS);
  }

  /** A label recorded without a fraction (histories before it existed) is tracked exactly as before. */
  private get pollsByFraction(): boolean {
    return this.carrierPushesScans && this.pollStallFraction !== undefined;
  }

  private async pollFoundScan(): Promise<boolean> {
    const lastScanBefore = this.tracking.lastScanAt;
    await this.poll();
    return this.tracking.lastScanAt !== lastScanBefore;
  }

  private async poll(): Promise<void> {
    const carrierCode = this.carrierCode;
    const trackingNumber = this.trackingNumber;
    if (!carrierCode || !trackingNumber) return;
    // A carrier that refuses the poll is no reason to fail the return: the stall window covers silence.
    const events = await returnCarrier.pollTracking({ carrierCode, trackingNumber }).catch((error: unknown) => {
      log.warn('return tracking poll refused', { returnId: this.input.returnId, error: String(error) });
      return [] as CarrierTrackingEvent[];
    });
    await this.absorb('poll', events);
  }

  private async expire(): Promise<ReturnOutcome> {
    await returnCarrier.voidReturnLabel({ returnId: this.input.returnId });
    this.note('note', 'return label voided', 'never used before it expired');
    return this.close('expired', 'the return label was not used before it expired');
  }

  private async close(status: 'expired' | 'cancelled', reason: string): Promise<ReturnOutcome> {
    await this.escalations.resolveByFacts(reason);
    await this.advance(status, reason);
    return { returnId: this.input.returnId, status, refundCents: 0 };
  }

  private async settleInspected(inspection: ReturnInspectionInput): Promise<ReturnOutcome> {
    setCurrentDetails('Moving the inspected goods in the ledger and telling the shop the refund due');
    await this.escalations.resolveByFacts('the goods were inspected at the warehouse');
    const settled = await returnsDb.settleReturn({
      returnId: this.input.returnId,
      settlement: { kind: 'inspected', inspection },
      at: new Date().toISOString(),
    });
    return this.completed(settled.refundCents, `inspected by ${inspection.inspectedBy}`);
  }

  private async settleWithoutGoods(decidedBy: string): Promise<ReturnOutcome> {
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
    const moved = await returnsDb.advanceReturn({
      returnId: this.input.returnId,
      status,
      at: new Date().toISOString(),
      ...(reason ? { reason } : {}),
    });
    this.moveTo(moved.status, reason);
  }

  private moveTo(status: ReturnStatus, detail?: string): void {
    if (status === this.status && this.view.timeline.length > 0) return;
    this.status = status;
    this.view.status = status;
    this.note('stage', status.replace(/_/g, ' '), detail);
  }

  private note(kind: TimelineEntry['kind'], label: string, detail?: string): void {
    this.view.timeline.push({ at: new Date().toISOString(), kind, label, ...(detail ? { detail } : {}) });
  }

  private details(wakeAtMs: number): string {
    const at = Number.isFinite(wakeAtMs) ? ` (next check ${new Date(wakeAtMs).toISOString().slice(0, 16).replace('T', ' ')})` : '';
    const open = this.escalations.views.find((v) => v.resolvedAt === undefined);
    if (open) return `Escalated (${open.reason}, ${open.severity}): waiting for an ops decision${at}`;
    if (this.status === 'received') return 'At the warehouse: waiting for the inspection (restock or write off)';
    if (this.tracking.status === 'label_created')
      return `Label ${this.trackingNumber ?? ''} sent to the customer; waiting for the parcel until ${new Date(this.expiresAtMs).toISOString().slice(0, 16)}${at}`;
    return `Return parcel ${this.trackingNumber ?? ''} ${this.tracking.status.replace(/_/g, ' ')}${at}`;
  }
}

function lastScanMsOf(state: TrackingState): number | undefined {
  return state.lastScanAt ? Date.parse(state.lastScanAt) : undefined;
}
