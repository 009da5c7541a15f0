import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ids } from '../domain/ids';
import { ANSWERED_IN_THE_DATABASE } from '../domain/lifecycle';
import { ESCALATION_ALERT_WORKFLOW_TYPE } from '../workflows/escalations/definitions';
import type { EscalationDecision, EscalationReason, EscalationSeverity } from '../domain/journey';
import type { Db } from './db';
import { asActivity } from './failures';

/** An alert workflow asked to page or step up an escalation a journey holds (started by hand on a journey's escalation id). */
export const ESCALATION_HELD_BY_JOURNEY = 'EscalationHeldByJourney';

/**
 * The API starts an alert (`escalation-alert-<id>`, workflows/escalations/alert.ts) only for an escalation no journey holds
 * (answered in the database: `left_after_cancel`). One started by hand (`temporal workflow start --type
 * escalationAlertWorkflow`) with a journey's escalation id paged ops a second time, with whatever summary was typed (its
 * key is not the journey's), then set the row's severity from its own count: a `critical` escalation went back to
 * `medium` in the ops list while its journey stepped it no more. Refused before either, failing the alert (not retried).
 */
function refuseAlertOnJourneyEscalation(escalationId: string, reason: EscalationReason): void {
  if (!calledByAlert() || ANSWERED_IN_THE_DATABASE.has(reason)) return;
  throw ApplicationFailure.nonRetryable(
    `escalation ${escalationId} is held by the workflow that opened it, which pages and steps it up: an alert takes only an escalation no journey holds (started by hand?)`,
    ESCALATION_HELD_BY_JOURNEY,
  );
}

function calledByAlert(): boolean {
  try {
    return Context.current().info.workflowType === ESCALATION_ALERT_WORKFLOW_TYPE;
  } catch {
    return false; // called as a plain function (tests)
  }
}

export interface OpenedEscalation {
  escalationId: string;
  openedAt: string;
}

export interface NotifyConfig {
  /** Outbound webhook for escalations (Slack, PagerDuty, an ops tool); none: log only. */
  webhookUrl?: string;
  fetchImpl?: typeof fetch;
}

/**
 * Escalations are stored (for the ops list and the process chart), notified, and answered by
 * ops through the workflow that opened them. Each write is keyed, so a retried activity never
 * opens or notifies twice.
 */
export function createEscalationActivities(db: Db, notify: NotifyConfig = {}) {
  const send = notify.fetchImpl ?? fetch;
  return {
    openEscalation(input: {
      dedupeKey: string;
      orderId: string;
      shipmentId?: string;
      /** Opened by a return's workflow: ops' answer goes there. */
      returnId?: string;
      reason: EscalationReason;
      severity: EscalationSeverity;
      detail: string;
    }): Promise<OpenedEscalation> {
      return asActivity(async () => {
        const row = await db.escalation.upsert({
          where: { dedupeKey: input.dedupeKey },
          create: {
            id: ids.escalationId(input.dedupeKey),
            dedupeKey: input.dedupeKey,
            orderId: input.orderId,
            shipmentId: input.shipmentId ?? null,
            returnId: input.returnId ?? null,
            reason: input.reason,
            severity: input.severity,
            detail: input.detail,
          },
          update: {},
        });
        return { escalationId: row.id, openedAt: row.openedAt.toISOString() };
      });
    },

    /** False when the escalation is no longer open (answered): nothing to step up. */
    raiseEscalationSeverity(input: { escalationId: string; severity: EscalationSeverity }): Promise<boolean> {
      return asActivity(async () => {
        if (calledByAlert()) {
          const held = await db.escalation.findUnique({ where: { id: input.escalationId }, select: { reason: true } });
          if (held) refuseAlertOnJourneyEscalation(input.escalationId, held.reason);
        }
        const { count } = await db.escalation.updateMany({
          where: { id: input.escalationId, status: 'open' },
          data: { severity: input.severity, escalatedAt: new Date() },
        });
        return count === 1;
      });
    },

    closeEscalation(input: { escalationId: string; decision: EscalationDecision; resolvedBy: string; note?: string }): Promise<void> {
      return asActivity(async () => {
        await db.escalation.updateMany({
          where: { id: input.escalationId, status: 'open' },
          data: {
            status: 'resolved',
            decision: input.decision,
            resolvedBy: input.resolvedBy,
            note: input.note ?? null,
            resolvedAt: new Date(),
          },
        });
      });
    },

    /**
     * Tells people. Always a structured log line; plus a POST to the configured webhook, recorded
     * in Notification so a retry after a successful delivery does not page anyone twice. Only an escalation that is
     * recorded and still open pages: every journey records its escalation before it pages, so anything else is an
     * alert started by hand with a made-up id (the Temporal CLI), or one ops answered before its page left.
     */
    notifyEscalation(input: { escalationId: string; dedupeKey: string; summary: string }): Promise<{ delivered: boolean }> {
      return asActivity(async () => {
        const escalation = await db.escalation.findUnique({
          where: { id: input.escalationId },
          select: { status: true, reason: true, severity: true, orderId: true, shipmentId: true },
        });
        if (escalation?.status !== 'open') {
          log.info('escalation not paged', { escalationId: input.escalationId, why: escalation ? 'already answered' : 'not recorded' });
          return { delivered: false };
        }
        refuseAlertOnJourneyEscalation(input.escalationId, escalation.reason);
        // The summary goes to ops' pager only: its words may carry the customer's city or street (no carrier quoted … to Lyon).
        const { reason, severity, orderId, shipmentId } = escalation;
        log.warn('escalation', { escalationId: input.escalationId, reason, severity, orderId, ...(shipmentId ? { shipmentId } : {}) });
        if (!notify.webhookUrl) return { delivered: false };
        const payload = { escalationId: input.escalationId, summary: input.summary };
        const row = await db.notification.upsert({
          where: { dedupeKey: input.dedupeKey },
          create: { id: input.dedupeKey, dedupeKey: input.dedupeKey, escalationId: input.escalationId, channel: 'webhook', payload },
          update: {},
        });
        if (row.deliveredAt) return { delivered: true };
        // A redirect is the endpoint's answer, never followed (as for shop webhooks): fetch re-POSTs the summary, with its
        // city or street, to wherever a 307/308 points, another host or an address inside (127.0.0.1, the cloud's metadata).
        const response = await send(notify.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': input.dedupeKey },
          body: JSON.stringify(payload),
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) {
          await db.notification.update({ where: { id: row.id }, data: { lastError: `HTTP ${response.status}` } });
          throw new Error(`escalation webhook answered HTTP ${response.status}`);
        }
        await db.notification.update({ where: { id: row.id }, data: { deliveredAt: new Date(), lastError: null } });
        return { delivered: true };
      });
    },
  };
}
