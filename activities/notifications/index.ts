import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { relayIds } from '../../domain/notifications';
import { RELAY_WORKFLOW_TYPE } from '../../workflows/notify/definitions';
import type { Db } from '../db';
import { asActivity } from '../failures';
import type { MailRelay } from './mail-relay';
import type { DrainOutcome, WebhookRelay } from './webhook-relay';

/** Activities of the `colis-notify` queue: the relays that send what the outbox holds. */
export function createNotifyActivities(deps: { db: Db; mail: MailRelay; webhooks: WebhookRelay; budgetMs?: number }) {
  const budgetMs = deps.budgetMs ?? 20_000;
  return {
    /**
     * Sends what is due for one relay at `nowMs` (the relay workflow's clock, so timers and due dates
     * agree on any server, the time-skipping one included) and says when the next item falls due.
     */
    drainRelay(input: { relayId: string; nowMs: number }): Promise<DrainOutcome> {
      return asActivity(async () => {
        refuseMalformedDrain(input);
        refuseForeignRelay(input.relayId);
        // Cleared before looking: anything written after this point wakes the relay again.
        await deps.db.notificationRelay.updateMany({ where: { id: input.relayId }, data: { wakePending: false } });
        heartbeat();
        if (input.relayId === relayIds.mail) {
          return { nextDueAtMs: await deps.mail.drain(input.nowMs, budgetMs), finished: false };
        }
        if (input.relayId.startsWith('webhooks:')) {
          return deps.webhooks.drain(input.relayId.slice('webhooks:'.length), input.nowMs, budgetMs);
        }
        return { nextDueAtMs: null, finished: true };
      });
    },
  };
}

export type NotifyQueueActivities = ReturnType<typeof createNotifyActivities>;

/**
 * A relay started by hand (`temporal workflow start --type notificationRelayWorkflow --input '{}'`) drains without a relay id:
 * refused at once, not retried for ever. Prisma reads `where: { id: undefined }` as no filter at all, so every attempt cleared
 * the wake-up mark of every relay (the mark that re-sends a wake-up lost between a commit and its signal).
 */
function refuseMalformedDrain(input: unknown): void {
  const relayId = typeof input === 'object' && input !== null ? (input as { relayId?: unknown }).relayId : undefined;
  if (typeof relayId === 'string' && relayId !== '') return;
  throw ApplicationFailure.nonRetryable(
    `drainRelay: relayId: expected text, got ${relayId === '' ? 'empty text' : relayId === null ? 'null' : typeof relayId} (a relay started by hand without its input?)`,
    'MalformedWorkflowInput',
  );
}

/**
 * A relay's outbox is drained by its own workflow only (`notify-<relay>`). One started by hand under a relay's id with another
 * relay's input (`-w notify-webhooks-… --input '{"relayId":"mail"}'`) drained that other outbox while its own waited for ever:
 * every wake-up of its relay signals it, so nothing of its relay was sent again until someone terminated it. Refused before
 * the wake-up mark is cleared; the next writer's signal-with-start then starts the right relay.
 */
function refuseForeignRelay(relayId: string): void {
  const info = callingWorkflow();
  const own = relayIds.workflowId(relayId);
  if (info?.workflowType !== RELAY_WORKFLOW_TYPE || info.workflowId === own) return;
  throw ApplicationFailure.nonRetryable(
    `drainRelay: relay ${relayId} is drained by ${own} only, not by ${info.workflowId} (a relay started by hand with another relay's input?)`,
    'MalformedWorkflowInput',
  );
}

/** The workflow this activity runs for; undefined when a test calls the activity as a plain function. */
function callingWorkflow(): { workflowType: string; workflowId: string } | undefined {
  try {
    const { workflowType, workflowExecution } = Context.current().info;
    return workflowType && workflowExecution ? { workflowType, workflowId: workflowExecution.workflowId } : undefined;
  } catch {
    return undefined;
  }
}
