import { ApplicationFailure, condition, log, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { hoursToRealMs } from '../../domain/clock';
import type { EscalationDecision, EscalationSeverity, EscalationView, TimelineEntry } from '../../domain/journey';
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
import { resolveEscalationUpdate } from '../definitions';
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
const SEVERITIES: EscalationSeverity[] = ['low', 'medium', 'high', 'critical'];

type ReturnEscalationReason = 'return_stuck' | 'return_late';

interface OpenEscalation {
  view: EscalationView;
  reason: ReturnEscalationReason;
  nextStepAtMs: number;
  answer?: { decision: EscalationDecision; resolvedBy: string; note?: string };
}

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
  private escalation: OpenEscalation | undefined;
  private escalationSeq = 0;
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
    setHandler(
      resolveEscalationUpdate,
      async (answer) => {
        const open = this.escalation;
        if (!open) throw new Error('no escalation is open');
        open.answer = { decision: answer.decision, resolvedBy: answer.resolvedBy, ...(answer.note ? { note: answer.note } : {}) };
        await returnsDb.closeEscalation({
          escalationId: answer.escalationId,
          decision: answer.decision,
          resolvedBy: answer.resolvedBy,
          ...(answer.note ? { note: answer.note } : {}),
        });
        open.view.decision = answer.decision;
        open.view.resolvedAt = new Date().toISOString();
        return open.view;
      },
      {
        validator: (answer) => {
          const open = this.escalation;
          if (!open || open.view.escalationId !== answer.escalationId || open.answer) {
            const details = { escalationId: answer.escalationId, owner: `return ${this.input.returnId}` };
            throw ApplicationFailure.nonRetryable(
              `escalation ${answer.escalationId} is not open on return ${this.input.returnId}`,
              'EscalationNotOpen',
              details,
            );
          }
          if (!['wait', 'refund', 'cancel'].includes(answer.decision)) {
            throw new Error(`"${answer.decision}" does not answer a return escalation; choose one of wait, refund, cancel`);
          }
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
      if (this.escalation && !this.escalation.answer) deadlines.push(this.escalation.nextStepAtMs);
      if (used && !arrived && !this.escalation) deadlines.push(stallAtMs, lateEscalated ? Number.POSITIVE_INFINITY : lateAtMs);
      const wakeAtMs = Math.min(...deadlines);
      setCurrentDetails(this.details(wakeAtMs));
      await condition(
        () => this.inbox.length > 0 || this.inspection !== undefined || this.escalation?.answer !== undefined,
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
      const open = this.escalation;
      if (open?.answer) {
        this.escalation = undefined;
        this.note('escalation', `ops decided: ${open.answer.decision}`, open.answer.note);
        if (open.answer.decision === 'refund') return this.settleWithoutGoods(open.answer.resolvedBy);
        if (open.answer.decision === 'cancel') return this.close('cancelled', `closed by ${open.answer.resolvedBy}`);
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
      if (this.escalation && !this.escalation.answer) {
        if (now >= this.escalation.nextStepAtMs) await this.stepUpSeverity();
        continue;
      }
      if (this.status === 'received' || this.tracking.status === 'label_created') continue;
      if (['lost', 'returned_to_sender', 'exception'].includes(this.tracking.status)) {
        if (brokenEscalatedFor === this.tracking.status) continue;
        brokenEscalatedFor = this.tracking.status;
        await this.openEscalation('return_stuck', `carrier reports ${this.tracking.status.replace(/_/g, ' ')} for ${this.trackingNumber}`);
      } else if (now >= stallAtMs) {
        // Webhooks may have been lost: a carrier polled by fraction is asked once more before the parcel is called stuck.
        if (this.pollsByFraction && (await this.pollFoundScan())) {
          nextPollMs = this.nextPollAfter(Date.now());
          continue;
        }
        await this.openEscalation('return_stuck', `no scan of return parcel ${this.trackingNumber} within ${RETURN_STALL_WINDOW_HOURS} h`);
      } else if (!lateEscalated && now >= lateAtMs) {
        lateEscalated = true;
        await this.openEscalation('return_late', `return parcel ${this.trackingNumber} not at the warehouse within its transit allowance`);
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
      await this.resolveByFacts('the parcel reached the warehouse');
    } else if (this.tracking.status !== 'label_created' && this.status === 'label_created') {
      await this.advance('in_transit');
    }
    if (this.escalation && !this.escalation.answer && this.escalation.reason === 'return_stuck' && this.tracking.status === 'in_transit') {
      await this.resolveByFacts('a new carrier scan arrived');
    }
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
    await this.resolveByFacts(reason);
    await this.advance(status, reason);
    return { returnId: this.input.returnId, status, refundCents: 0 };
  }

  private async settleInspected(inspection: ReturnInspectionInput): Promise<ReturnOutcome> {
    setCurrentDetails('Moving the inspected goods in the ledger and telling the shop the refund due');
    await this.resolveByFacts('the goods were inspected at the warehouse');
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

  private async openEscalation(reason: ReturnEscalationReason, detail: string): Promise<void> {
    this.escalationSeq += 1;
    const dedupeKey = `${this.input.returnId}:${reason}:${this.escalationSeq}`;
    const severity: EscalationSeverity = reason === 'return_stuck' ? 'medium' : 'low';
    const opened = await returnsDb.openEscalation({
      dedupeKey,
      orderId: this.input.orderId,
      returnId: this.input.returnId,
      reason,
      severity,
      detail,
    });
    const view: EscalationView = { escalationId: opened.escalationId, reason, severity, detail, openedAt: opened.openedAt };
    this.escalation = { view, reason, nextStepAtMs: Date.now() + this.realHours(RETURN_SEVERITY_STEP_HOURS) };
    this.view.escalations.push(view);
    this.note('escalation', `escalated: ${reason}`, detail);
    await returnsDb.notifyEscalation({
      escalationId: opened.escalationId,
      dedupeKey: `${dedupeKey}:opened`,
      summary: `${workflowInfo().workflowId} ${reason} (${severity}): ${detail}`,
    });
  }

  private async stepUpSeverity(): Promise<void> {
    const open = this.escalation;
    if (!open || open.answer) return;
    open.nextStepAtMs = Date.now() + this.realHours(RETURN_SEVERITY_STEP_HOURS);
    const next = SEVERITIES[Math.min(SEVERITIES.indexOf(open.view.severity) + 1, SEVERITIES.length - 1)] ?? 'critical';
    if (next === open.view.severity) return;
    open.view.severity = next;
    await returnsDb.raiseEscalationSeverity({ escalationId: open.view.escalationId, severity: next });
    await returnsDb.notifyEscalation({
      escalationId: open.view.escalationId,
      dedupeKey: `${open.view.escalationId}:severity:${next}`,
      summary: `${workflowInfo().workflowId} ${open.reason} unanswered, now ${next}`,
    });
  }

  /** Closes the open escalation without ops when the facts answered it. */
  private async resolveByFacts(why: string): Promise<void> {
    const open = this.escalation;
    if (!open || open.answer) return;
    await returnsDb.closeEscalation({ escalationId: open.view.escalationId, decision: 'wait', resolvedBy: 'colis', note: why });
    open.view.decision = 'wait';
    open.view.resolvedAt = new Date().toISOString();
    this.escalation = undefined;
    this.note('escalation', 'resolved automatically', why);
  }

  private details(wakeAtMs: number): string {
    const at = Number.isFinite(wakeAtMs) ? ` (next check ${new Date(wakeAtMs).toISOString().slice(0, 16).replace('T', ' ')})` : '';
    if (this.escalation && !this.escalation.answer)
      return `Escalated (${this.escalation.reason}, ${this.escalation.view.severity}): waiting for an ops decision${at}`;
    if (this.status === 'received') return 'At the warehouse: waiting for the inspection (restock or write off)';
    if (this.tracking.status === 'label_created')
      return `Label ${this.trackingNumber ?? ''} sent to the customer; waiting for the parcel until ${new Date(this.expiresAtMs).toISOString().slice(0, 16)}${at}`;
    return `Return parcel ${this.trackingNumber ?? ''} ${this.tracking.status.replace(/_/g, ' ')}${at}`;
  }
}

function lastScanMsOf(state: TrackingState): number | undefined {
  return state.lastScanAt ? Date.parse(state.lastScanAt) : undefined;
}
