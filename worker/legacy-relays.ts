import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Db } from '../activities/db';
import { TASK_QUEUES } from '../domain/ids';
import { relayIds } from '../domain/notifications';

/**
 * Relays started on the notify queue by a release before this one (workflows/notify/relay.ts moves each to
 * the orders queue at its next wake-up) need a workflow worker on the notify queue until the last has moved.
 * One runs only while some are left: an idle worker saves the second workflow thread (~25 MiB). An API or a
 * worker of the release before can still start one during a rolling upgrade, so the question is asked again
 * every few minutes, and a workflow worker added when the answer turns yes.
 */

/** Whether a relay still runs on the notify queue: one describe per relay (mail, and one per webhook subscription). */
export function relaysLeftOnTheNotifyQueue(client: Client, db: Db): () => Promise<boolean> {
  return async () => {
    const subscriptions = await db.webhookSubscription.findMany({ select: { id: true } });
    const relays = [relayIds.mail, ...subscriptions.map((s) => relayIds.webhooks(s.id))];
    for (const relayId of relays) {
      try {
        const described = await client.workflow.getHandle(relayIds.workflowId(relayId)).describe();
        if (described.status.name === 'RUNNING' && described.taskQueue === TASK_QUEUES.notify) return true;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return false;
  };
}

export const LEGACY_RELAY_CHECK_EVERY_MS = 5 * 60_000;

/** Serves the notify queue's workflow tasks from the first moment a relay is found there, until shutdown. */
export class LegacyRelayServing {
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failWith: (error: unknown) => void = () => {};
  /** Rejects if the workflow worker, once added, fails; never resolves otherwise. */
  readonly failed = new Promise<never>((_, reject) => {
    this.failWith = reject;
  });

  constructor(
    private readonly left: () => Promise<boolean>,
    private readonly createWorker: () => Promise<Worker>,
    private readonly warn: (message: string) => void,
    private readonly everyMs = LEGACY_RELAY_CHECK_EVERY_MS,
  ) {
    this.failed.catch(() => {});
  }

  /** Checks once before the process says it is ready (an unanswerable question serves them), then every few minutes. */
  async start(): Promise<void> {
    await this.check(true);
    this.timer = setInterval(() => void this.check(false), this.everyMs);
    this.timer.unref();
  }

  get serving(): boolean {
    return this.worker !== undefined;
  }

  private checking = false;

  private async check(first: boolean): Promise<void> {
    // One question at a time: a slow answer (or a slow worker start) must not add a second worker.
    if (this.worker || this.stopped || this.checking) return;
    this.checking = true;
    try {
      await this.serveIfNeeded(first);
    } finally {
      this.checking = false;
    }
  }

  private async serveIfNeeded(first: boolean): Promise<void> {
    let needed: boolean;
    try {
      needed = await this.left();
    } catch (error) {
      this.warn(`could not tell whether relays are left on the notify queue: ${error instanceof Error ? error.message : String(error)}`);
      needed = first;
    }
    if (!needed || this.worker || this.stopped) return;
    const worker = await this.createWorker();
    this.worker = worker;
    this.running = worker.run().catch((error: unknown) => {
      this.failWith(error);
    });
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.worker?.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
  }
}
