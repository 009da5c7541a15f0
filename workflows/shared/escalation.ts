import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { hoursToRealMs } from '../../domain/clock';
import type { DomainErrorDetails } from '../../domain/errors';
import type { EscalationView, ResolveEscalationRequest } from '../../domain/journey';
import { DECISIONS_BY_REASON, ESCALATION_REASON_RULES, type EscalationReason, nextSeverity } from '../../domain/lifecycle';
import { RESOLVE_ESCALATION_REQUEST } from '../../domain/message-shapes';
import { resolveEscalationUpdate } from '../definitions';
import { outsideCancelledScope } from './cancel-request';
import { refuseMalformed } from './message-guards';
import {
  type Answered,
  type EscalationActivities,
  type EscalationOwner,
  type EscalationState,
  JOURNEY_ACTIVITIES,
  SEVERITY_STEP_HOURS,
} from './escalation-owner';

interface Open {
  view: EscalationView;
  /** When the severity steps up next; none once critical. */
  nextStepAtMs?: number;
  answer?: ResolveEscalationRequest;
}

/**
 * The one escalation tracker, shared by the order, shipment and return workflows: opens escalations (stored,
 * notified), steps up the severity of those nobody answers, takes ops' answers through the
 * `resolveEscalation` update, and closes those the facts answered (a scan arrived, the parcel was
 * delivered). Several may be open at once (a late parcel can also stall); at most one per reason.
 */
export class Escalations {
  private seq: number;
  /** Every escalation of this workflow, oldest first: what its view lists. */
  readonly views: EscalationView[];
  private readonly open: Open[];
  private readonly activities: EscalationActivities;
  /** The answer the workflow is carrying out (actOn), if any. */
  private acting?: ResolveEscalationRequest;
  /**
   * The escalations open when that answer was taken: only answers to these wait for it. One the carrying out opens
   * itself (a v2 re-ship re-books in place, and its booking waits for the answer to a no_carrier) must be answerable.
   */
  private actingOver = new Set<string>();

  constructor(
    private readonly owner: EscalationOwner,
    resumed?: EscalationState,
  ) {
    this.activities = owner.activities ?? JOURNEY_ACTIVITIES;
    this.seq = resumed?.seq ?? 0;
    this.views = resumed?.views ?? [];
    this.open = (resumed?.open ?? []).flatMap((o) => {
      const view = this.views.find((v) => v.escalationId === o.escalationId);
      return view ? [{ view, ...(o.nextStepAtMs !== undefined ? { nextStepAtMs: o.nextStepAtMs } : {}) }] : [];
    });
    setHandler(resolveEscalationUpdate, (answer) => outsideCancelledScope(() => this.answer(answer)), {
      validator: (answer) => this.validate(answer),
    });
  }

  async raise(reason: EscalationReason, detail: string): Promise<EscalationView> {
    this.seq += 1;
    const { orderId, shipmentId, returnId } = this.owner;
    const severity = ESCALATION_REASON_RULES[reason].initialSeverity;
    const dedupeKey = `${this.ownerId}:${reason}:${this.seq}`;
    const opened = await this.activities.openEscalation({
      dedupeKey,
      orderId,
      ...(shipmentId ? { shipmentId } : {}),
      ...(returnId ? { returnId } : {}),
      reason,
      severity,
      detail,
    });
    const view: EscalationView = { escalationId: opened.escalationId, reason, severity, detail, openedAt: opened.openedAt };
    this.views.push(view);
    this.open.push({ view, nextStepAtMs: Date.now() + this.stepMs });
    this.owner.timeline.note('escalation', `escalated: ${reason}`, detail);
    await this.owner.changed({ kind: 'escalated', escalation: view });
    await this.activities.notifyEscalation(
      { escalationId: view.escalationId, dedupeKey: `${dedupeKey}:opened`, summary: `${this.ownerId} ${reason} (${severity}): ${detail}` },
      `Notify ops: ${reason}`,
    );
    return view;
  }

  /**
   * What a run that starts on stored facts (a return's reset run) finds its workflow had opened: those still open are
   * tracked as this run's (stepped up, answered, closed by the facts), and the next one is numbered after every one
   * opened (its key would name a resolved escalation, handed back by `openEscalation`, otherwise).
   */
  adopt(seq: number, open: readonly EscalationView[]): void {
    this.seq = Math.max(this.seq, seq);
    for (const view of open) {
      if (this.views.some((v) => v.escalationId === view.escalationId)) continue;
      this.views.push(view);
      this.open.push({ view, ...(view.severity === 'critical' ? {} : { nextStepAtMs: Date.now() + this.stepMs }) });
    }
  }

  /** The workflow the escalations are about, in keys and alerts. */
  private get ownerId(): string {
    return this.owner.returnId ?? this.owner.shipmentId ?? this.owner.orderId;
  }

  private get stepMs(): number {
    return hoursToRealMs(this.owner.severityStepHours ?? SEVERITY_STEP_HOURS, this.owner.timeScale);
  }

  /** Open and not yet answered by ops. */
  isOpen(reason?: EscalationReason): boolean {
    return this.open.some((o) => !o.answer && (reason === undefined || o.view.reason === reason));
  }

  get anyOpen(): boolean {
    return this.isOpen();
  }

  /** Ops answered an escalation (this one, when named) the workflow has not acted on yet. */
  hasAnswer(escalationId?: string): boolean {
    return this.open.some((o) => o.answer !== undefined && (escalationId === undefined || o.view.escalationId === escalationId));
  }

  /** The first escalation ops answered (this one, when named), off the open list: the workflow acts on the decision. */
  takeAnswered(escalationId?: string): Answered | undefined {
    const i = this.open.findIndex((o) => o.answer !== undefined && (escalationId === undefined || o.view.escalationId === escalationId));
    const taken = this.open[i];
    if (!taken?.answer) return undefined;
    this.open.splice(i, 1);
    this.owner.timeline.note('escalation', `ops decided: ${taken.answer.decision}`, taken.answer.note);
    return { view: taken.view, answer: taken.answer };
  }

  /** When the next unanswered escalation steps up; none when nothing is left to step. */
  nextStepAtMs(): number | undefined {
    const due = this.open.flatMap((o) => (!o.answer && o.nextStepAtMs !== undefined ? [o.nextStepAtMs] : []));
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  /** Steps up every unanswered escalation whose time came; stops arming at critical. */
  async stepUpDue(): Promise<void> {
    for (const open of this.open) {
      if (open.answer || open.nextStepAtMs === undefined || Date.now() < open.nextStepAtMs) continue;
      const severity = nextSeverity(open.view.severity);
      open.view.severity = severity;
      if (severity === 'critical') delete open.nextStepAtMs;
      else open.nextStepAtMs = Date.now() + this.stepMs;
      await this.activities.raiseEscalationSeverity({ escalationId: open.view.escalationId, severity });
      this.owner.timeline.note('escalation', `severity raised to ${severity}`, open.view.reason);
      await this.owner.changed({ kind: 'escalated', escalation: open.view });
      await this.activities.notifyEscalation(
        {
          escalationId: open.view.escalationId,
          dedupeKey: `${open.view.escalationId}:severity:${severity}`,
          summary: `${this.ownerId} ${open.view.reason} unanswered, now ${severity}`,
        },
        `Notify ops: ${open.view.reason} now ${severity}`,
      );
    }
  }

  /** Closes, without ops, the unanswered escalations the facts answered (of `reasons`, or all; or the one named). */
  async resolveByFacts(why: string, reasons?: readonly EscalationReason[], escalationId?: string): Promise<void> {
    const answered = this.open.filter(
      (o) =>
        !o.answer &&
        (reasons === undefined || reasons.includes(o.view.reason)) &&
        (escalationId === undefined || o.view.escalationId === escalationId),
    );
    for (const open of answered) {
      this.open.splice(this.open.indexOf(open), 1);
      await this.activities.closeEscalation({ escalationId: open.view.escalationId, decision: 'wait', resolvedBy: 'colis', note: why });
      open.view.decision = 'wait';
      open.view.resolvedAt = new Date().toISOString();
      this.owner.timeline.note('escalation', 'resolved automatically', `${open.view.reason}: ${why}`);
      await this.owner.changed({ kind: 'escalation_closed', escalation: open.view });
    }
  }

  /** For current details: what is open and how bad, first, so no later stage hides it. */
  summary(): string | undefined {
    const open = this.open.filter((o) => !o.answer);
    if (open.length === 0) return undefined;
    const each = open.map((o) => `${o.view.reason} (${o.view.severity}): ${o.view.detail}`);
    return `ESCALATED ${each.join('; ')}. Waiting for ops (${DECISIONS_BY_REASON[open[0]!.view.reason].join(', ')}).`;
  }

  state(): EscalationState {
    return {
      seq: this.seq,
      views: this.views,
      open: this.open.map((o) => ({
        escalationId: o.view.escalationId,
        ...(o.nextStepAtMs !== undefined ? { nextStepAtMs: o.nextStepAtMs } : {}),
      })),
    };
  }

  private validate(answer: ResolveEscalationRequest): void {
    refuseMalformed(resolveEscalationUpdate.name, RESOLVE_ESCALATION_REQUEST, answer);
    this.refuseIfAnswered(answer.escalationId);
    // A cancel taken, the escalations close with it: an answer given meanwhile was recorded and never carried out.
    const ending = this.owner.endingBecause?.();
    if (ending !== undefined)
      throw ApplicationFailure.nonRetryable(
        `${this.owner.label} is ${ending}: its escalations close with it; read them again`,
        'OrderStateConflict',
      );
    this.refuseWhileActingOnAnother(answer.escalationId);
    const open = this.open.find((o) => o.view.escalationId === answer.escalationId && !o.answer);
    if (!open) {
      // Typed, so the API can tell "not open here" apart: its row may be open while this workflow is still opening it.
      const details: DomainErrorDetails['EscalationNotOpen'] = { escalationId: answer.escalationId, owner: this.owner.label };
      throw ApplicationFailure.nonRetryable(
        `escalation ${answer.escalationId} is not open on ${this.owner.label}`,
        'EscalationNotOpen',
        details,
      );
    }
    const allowed = DECISIONS_BY_REASON[open.view.reason];
    if (!allowed.includes(answer.decision)) {
      throw ApplicationFailure.nonRetryable(
        `"${answer.decision}" does not answer a ${open.view.reason} escalation; choose one of ${allowed.join(', ')}`,
        'OrderStateConflict',
      );
    }
  }

  /**
   * Answers to two escalations of one workflow (a stuck and a late parcel) given at once: the workflow acts on one
   * remedy (a reship, a refund, a cancel, or a "wait" that ends it: a lost parcel let go) and ends or moves on, and a
   * second taken meanwhile would be recorded as ops' decision yet never carried out. While another remedy waits to be
   * acted on (a pending plain "wait" acts on nothing) or an answer is being acted on (actOn) since before this one opened,
   * this one is refused; ops read the escalations again and find it closed by the facts or open.
   */
  private refuseWhileActingOnAnother(escalationId: string): void {
    const pending =
      (this.acting && this.actingOver.has(escalationId) ? this.acting : undefined) ??
      this.open.find((o) => o.answer !== undefined && this.isRemedy(o.answer) && o.view.escalationId !== escalationId)?.answer;
    if (pending && pending.escalationId !== escalationId) {
      const waitEnds = pending.decision === 'wait' ? this.owner.waitEnds?.() : undefined;
      const answered = waitEnds === undefined ? `"${pending.decision}"` : `"wait", which ends ${this.owner.label} (${waitEnds}),`;
      throw ApplicationFailure.nonRetryable(
        `escalation ${pending.escalationId} of ${this.owner.label} was just answered ${answered} and is being acted on; ` +
          'read the escalations again: this one is closed by it or still waits for a decision',
        'OrderStateConflict',
      );
    }
  }

  /** An answer the workflow acts on with more than waiting: any but "wait", and a wait that ends the workflow. */
  private isRemedy(answer: ResolveEscalationRequest): boolean {
    return answer.decision !== 'wait' || this.owner.waitEnds?.() !== undefined;
  }

  /**
   * Carries out a taken answer; meanwhile another escalation's answer is refused. An outcome (the workflow ends: a
   * reship that gives the parcel up, a refund, a lost parcel let go) leaves it refused, since nothing later is acted on.
   */
  async actOn<T>(answered: Answered, act: () => Promise<T | undefined>): Promise<T | undefined> {
    this.acting = answered.answer;
    this.actingOver = new Set(this.open.map((o) => o.view.escalationId));
    const outcome = await act();
    if (outcome === undefined) this.acting = undefined;
    return outcome;
  }

  /** Two answers to one escalation: the first wins, the others learn its decision. */
  private refuseIfAnswered(escalationId: string): void {
    const view = this.views.find((v) => v.escalationId === escalationId);
    const decision = view?.decision ?? this.open.find((o) => o.view.escalationId === escalationId)?.answer?.decision;
    if (decision !== undefined) {
      throw ApplicationFailure.nonRetryable(`escalation ${escalationId} is already resolved: ${decision}`, 'EscalationResolved', {
        escalationId,
        decision,
      });
    }
  }

  private async answer(answer: ResolveEscalationRequest): Promise<EscalationView> {
    this.refuseIfAnswered(answer.escalationId);
    const open = this.open.find((o) => o.view.escalationId === answer.escalationId && !o.answer);
    if (!open)
      throw ApplicationFailure.nonRetryable(`escalation ${answer.escalationId} is not open on ${this.owner.label}`, 'EscalationNotOpen');
    open.answer = answer;
    await this.activities.closeEscalation({
      escalationId: answer.escalationId,
      decision: answer.decision,
      resolvedBy: answer.resolvedBy,
      ...(answer.note !== undefined ? { note: answer.note } : {}),
    });
    open.view.decision = answer.decision;
    open.view.resolvedAt = new Date().toISOString();
    await this.owner.changed({ kind: 'escalation_closed', escalation: open.view });
    return open.view;
  }
}
