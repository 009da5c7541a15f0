import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../activities/db';
import { markdownText } from '../../domain/human-text';
import { ids, TASK_QUEUES } from '../../domain/ids';
import { OrderWorkflowInputSchema, type OrderWorkflowInput } from '../../domain/order';
import { searchAttributes } from '../../workflows/definitions';
import { StartLimiter, type StartLimiterOptions } from './start-limiter';

/**
 * Starts the order workflows of accepted orders (`OrderIntake` rows), which intake commits before it
 * answers 202. Two ways in:
 *   - `start(input)`, right after the commit: the usual path, the workflow exists within milliseconds;
 *   - a sweep every few seconds of rows still unstarted, which covers a Temporal outage, a start that
 *     failed, a queue that was full, and an API process killed between its commit and its start.
 * At most `concurrency` starts are in flight per process: under a burst the backlog waits in
 * PostgreSQL and in this queue rather than piling onto the Temporal server, and intake keeps
 * answering at database speed. A start is idempotent (the workflow id is the order's, and a second
 * start is rejected), so two API processes sweeping the same row start it once.
 */

/** New orders start the current workflow type; orders started as an older one finish on it (README, upgrading). */
const ORDER_WORKFLOW_TYPE = 'orderWorkflowV3';

/** What intake stores in the workflow's memo: who placed the order, and the request it hashed. */
export interface IntakeMemo {
  requestHash: string;
  /** The API key name that placed the order: intake keys read only their own orders. */
  submittedBy: string;
}

export function intakeMemoOf(description: WorkflowExecutionDescription): IntakeMemo | undefined {
  const { requestHash, submittedBy } = (description.memo ?? {}) as Partial<Record<keyof IntakeMemo, unknown>>;
  if (typeof requestHash !== 'string' || typeof submittedBy !== 'string') return undefined;
  return { requestHash, submittedBy };
}

export interface OrderStarterOptions {
  db: Db;
  client: Client;
  log: FastifyBaseLogger;
  /** Starts in flight at once (default 16). */
  concurrency?: number;
  /** How often unstarted rows are looked for (default 2 s). */
  sweepIntervalMs?: number;
  /** A row younger than this is left to the process that committed it (default 5 s). */
  sweepAfterMs?: number;
  /** Queued starts beyond this wait in the table for a sweep (default 20,000). */
  maxQueued?: number;
  /** A start Temporal has not answered within this is abandoned to a later sweep (default 10 s). */
  startTimeoutMs?: number;
  /** `close()` waits this long for starts in flight (default 5 s); an unfinished one is left to a sweep. */
  closeGraceMs?: number;
  /**
   * After a failed start, sweeps leave the order alone for 2 s, then 4, 8 … up to this (default 30 s):
   * a long Temporal outage costs a trickle of attempts, and the orders start within this once it ends.
   */
  maxRetryDelayMs?: number;
  /**
   * Starts per second at most (default: no limit). A burst beyond what the workers can journey at
   * once then waits in PostgreSQL, not in Temporal, where thousands of orders all active together
   * overflow the workers' sticky cache and every step replays its history from the start.
   */
  maxStartsPerSecond?: number;
  /**
   * Holds starts to an adaptive number of orders in their first, machine-bound stretch (started, not yet
   * reserved and planned), tuned from the rate they leave it (api/services/start-limiter.ts): a burst
   * drains at the rate the workers sustain. Off (undefined) when nothing can leave that stretch here
   * (no worker), or to measure without it.
   */
  adaptive?: StartLimiterOptions;
}

/** Orders still in the first stretch after this long are forgotten by the limiter (a failed or stuck start). */
const IN_FLIGHT_MAX_MS = 10 * 60_000;
/** How often the starter looks which of its orders left the first stretch. */
const LIMITER_TICK_MS = 1_000;

export interface StartOutcome {
  started: boolean;
  error?: string;
}

interface Queued {
  input: OrderWorkflowInput;
  submittedBy: string;
  settle: (outcome: StartOutcome) => void;
}

export class OrderStarter {
  private readonly queue: Queued[] = [];
  /** Orders queued or being started here, so a sweep never queues one twice. */
  private readonly pending = new Map<string, Promise<StartOutcome>>();
  private running = 0;
  /** Started orders whose `startedAt` is not written yet: written together, one statement per batch. */
  private readonly startedUnrecorded = new Set<string>();
  private recording: Promise<void> | undefined;
  private recordTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;
  private readonly concurrency: number;
  private readonly sweepIntervalMs: number;
  private readonly sweepAfterMs: number;
  private readonly maxQueued: number;
  private readonly startTimeoutMs: number;
  private readonly closeGraceMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly startIntervalMs: number;
  /** When the next start may begin under `maxStartsPerSecond`. */
  private nextStartAtMs = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly limiter: StartLimiter | undefined;
  /** Orders this process started that have not yet left the first stretch: order id → start time. */
  private readonly inFlight = new Map<string, number>();
  private limiterTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OrderStarterOptions) {
    this.concurrency = options.concurrency ?? 16;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 2_000;
    this.sweepAfterMs = options.sweepAfterMs ?? 5_000;
    this.maxQueued = options.maxQueued ?? 20_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.closeGraceMs = options.closeGraceMs ?? 5_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.startIntervalMs = options.maxStartsPerSecond ? 1_000 / options.maxStartsPerSecond : 0;
    this.limiter = options.adaptive ? new StartLimiter(options.adaptive) : undefined;
  }

  /** The adaptive limit and how many orders count against it now (undefined without the limiter). */
  get activeLimit(): { limit: number; inFlight: number } | undefined {
    return this.limiter ? { limit: this.limiter.current, inFlight: this.inFlight.size + this.running } : undefined;
  }

  /** Queues the start of an accepted order; resolves once Temporal has it (or the attempt failed). */
  start(input: OrderWorkflowInput, submittedBy: string): Promise<StartOutcome> {
    const existing = this.pending.get(input.orderId);
    if (existing) return existing;
    if (this.closed || this.queue.length >= this.maxQueued) {
      return Promise.resolve({ started: false, error: this.closed ? 'order starter closed' : 'start queue full; a sweep will start it' });
    }
    const promise = new Promise<StartOutcome>((settle) => this.queue.push({ input, submittedBy, settle }));
    this.pending.set(input.orderId, promise);
    this.pump();
    return promise;
  }

  /** Begins the periodic sweep; the first one runs at once, picking up what a previous process left. */
  startSweeping(): void {
    if (this.sweepTimer || this.closed) return;
    const tick = () => {
      this.sweeping = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.options.log.warn({ err: errorText(error) }, 'intake sweep failed; retrying'))
        .finally(() => {
          this.sweeping = undefined;
          if (!this.closed) this.sweepTimer = setTimeout(tick, this.sweepIntervalMs);
        });
    };
    this.sweepTimer = setTimeout(tick, 0);
  }

  /** Stops sweeping and waits for the starts in flight; queued ones stay in the table for the next process. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    if (this.limiterTimer) clearTimeout(this.limiterTimer);
    for (const queued of this.queue.splice(0)) {
      this.pending.delete(queued.input.orderId);
      queued.settle({ started: false, error: 'order starter closed' });
    }
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.closeGraceMs).unref());
    await Promise.race([Promise.all([this.sweeping, ...this.pending.values()]), grace]);
    if (this.recordTimer) clearTimeout(this.recordTimer);
    await this.recordStarts();
  }

  /** Whether a start queued now would have to wait behind others (all slots busy). */
  get backlogged(): boolean {
    return this.queue.length > 0 || this.running >= this.concurrency;
  }

  /** One pass over the table: every row unstarted for longer than `sweepAfterMs` and not backing off, oldest first. */
  async sweep(): Promise<number> {
    // With starts already queued here, nothing a sweep finds could start before them: fetching the
    // oldest rows again (with their inputs) every tick would only cost the API and the database.
    // Under a metered burst that skip is what keeps intake's latency flat; left-over rows of another
    // process are picked up once this queue has drained.
    if (this.queue.length >= this.concurrency) return 0;
    const now = Date.now();
    const rows = await this.options.db.orderIntake.findMany({
      where: {
        startedAt: null,
        receivedAt: { lt: new Date(now - this.sweepAfterMs) },
        OR: [{ nextStartAt: null }, { nextStartAt: { lte: new Date(now) } }],
      },
      orderBy: { receivedAt: 'asc' },
      take: Math.max(1, Math.min(1_000, this.maxQueued - this.queue.length)),
      select: { orderId: true, input: true, submittedBy: true },
    });
    let queued = 0;
    for (const row of rows) {
      if (this.pending.has(row.orderId) || this.startedUnrecorded.has(row.orderId)) continue;
      const input = OrderWorkflowInputSchema.safeParse(row.input);
      if (!input.success) {
        // Written by this code's own intake, so unreadable means a schema change without a migration of the rows.
        this.options.log.error({ orderId: row.orderId, err: input.error.message }, 'accepted order has an unreadable start input');
        continue;
      }
      void this.start(input.data, row.submittedBy);
      queued += 1;
    }
    if (queued > 0) this.options.log.info({ queued }, 'intake sweep queued unstarted orders');
    return queued;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      // Over the adaptive limit: the next limiter tick (orders leaving the first stretch) pumps again.
      if (this.limiter && !this.limiter.allows(this.inFlight.size + this.running)) {
        this.watchInFlight();
        return;
      }
      if (this.startIntervalMs > 0) {
        const now = Date.now();
        if (now < this.nextStartAtMs) {
          this.pumpTimer ??= setTimeout(() => {
            this.pumpTimer = undefined;
            this.pump();
          }, this.nextStartAtMs - now);
          return;
        }
        this.nextStartAtMs = Math.max(now, this.nextStartAtMs) + this.startIntervalMs;
      }
      const next = this.queue.shift();
      if (!next) break;
      this.running += 1;
      void this.startOne(next).then((outcome) => {
        this.running -= 1;
        this.pending.delete(next.input.orderId);
        next.settle(outcome);
        this.pump();
      });
    }
  }

  private async startOne({ input, submittedBy }: Queued): Promise<StartOutcome> {
    const { db, client, log } = this.options;
    let outcome: StartOutcome;
    try {
      await client.withDeadline(Date.now() + this.startTimeoutMs, () => startOrderWorkflow(client, input, submittedBy));
      outcome = { started: true };
    } catch (error) {
      outcome = error instanceof WorkflowExecutionAlreadyStartedError ? { started: true } : { started: false, error: errorText(error) };
    }
    if (outcome.started) {
      if (this.limiter) {
        this.inFlight.set(input.orderId, Date.now());
        this.watchInFlight();
      }
      this.startedUnrecorded.add(input.orderId);
      this.scheduleRecording(20);
      return outcome;
    }
    await db.orderIntake
      // Only an unstarted row: another process may have started and recorded this order meanwhile,
      // and its record (no error, one attempt) is the truth; then there is nothing to retry.
      .updateManyAndReturn({
        where: { orderId: input.orderId, startedAt: null },
        data: { startAttempts: { increment: 1 }, lastStartError: outcome.error?.slice(0, 1_000) ?? null },
        select: { startAttempts: true },
      })
      .then(async ([unstarted]) => {
        if (!unstarted) return;
        const { startAttempts } = unstarted;
        const delayMs = startRetryDelayMs(startAttempts, this.maxRetryDelayMs);
        // Only an unstarted row: a start elsewhere may have won meanwhile, and then there is nothing to retry.
        await db.orderIntake.updateMany({
          where: { orderId: input.orderId, startedAt: null },
          data: { nextStartAt: new Date(Date.now() + delayMs) },
        });
        log.warn(
          { orderId: input.orderId, attempts: startAttempts, retryInMs: delayMs, err: outcome.error },
          'order workflow start failed; a sweep retries it',
        );
      })
      .catch((error: unknown) => log.warn({ orderId: input.orderId, err: errorText(error) }, 'could not record the failed start'));
    return outcome;
  }

  /** Ticks while orders are in flight: those whose order has moved past reservation count as done. */
  private watchInFlight(): void {
    if (this.limiterTimer || this.closed || !this.limiter) return;
    this.limiterTimer = setTimeout(() => {
      void this.settleInFlight()
        .catch((error: unknown) => this.options.log.warn({ err: errorText(error) }, 'could not read orders in flight; retrying'))
        .finally(() => {
          this.limiterTimer = undefined;
          if (this.inFlight.size > 0 || this.queue.length > 0) this.watchInFlight();
          this.pump();
        });
    }, LIMITER_TICK_MS);
  }

  private async settleInFlight(): Promise<void> {
    const limiter = this.limiter;
    if (!limiter) return;
    const now = Date.now();
    if (this.inFlight.size > 0) {
      const left = await this.options.db.order.findMany({
        where: { id: { in: [...this.inFlight.keys()] }, status: { notIn: ['received', 'reserving'] } },
        select: { id: true },
      });
      for (const { id } of left) {
        const startedAt = this.inFlight.get(id);
        if (startedAt === undefined) continue;
        limiter.completed(now, now - startedAt);
        this.inFlight.delete(id);
      }
      for (const [id, startedAt] of this.inFlight) if (now - startedAt > IN_FLIGHT_MAX_MS) this.inFlight.delete(id);
    }
    limiter.update(now);
  }

  private scheduleRecording(delayMs: number): void {
    this.recordTimer ??= setTimeout(() => {
      this.recordTimer = undefined;
      void this.recordStarts();
    }, delayMs);
  }

  /**
   * Writes `startedAt` for the starts since the last write, up to 500 per statement: under a burst
   * that is one round trip per batch instead of one per order. One writer at a time: a call while a
   * write is in flight joins it, and the writer loops until nothing is left. (Concurrent writers on
   * overlapping batches deadlocked each other in PostgreSQL under a 300/s burst, on every retry,
   * each holding a pooled connection meanwhile.) A failed write is retried a second later; until
   * then a sweep skips these orders, and were this process to die first, a sweep elsewhere would
   * only see their second start rejected as a twin and record it then.
   *
   * Only rows not recorded yet are written: the same order can be started by two processes (one's
   * immediate start and another's sweep, once its row is older than `sweepAfterMs`; or a sweep here
   * whose read raced this writer), and the loser's start, rejected by Temporal as a twin, reports
   * `started` too. Temporal keeps the execution single; the condition keeps its record single, so
   * `startedAt` stays the first acceptance and `startAttempts` counts no start that started nothing.
   */
  private recordStarts(): Promise<void> {
    this.recording ??= this.writeStarted().finally(() => {
      this.recording = undefined;
    });
    return this.recording;
  }

  private async writeStarted(): Promise<void> {
    while (this.startedUnrecorded.size > 0) {
      const orderIds: string[] = [];
      for (const id of this.startedUnrecorded) {
        if (orderIds.push(id) === RECORD_BATCH) break;
      }
      try {
        await this.options.db.orderIntake.updateMany({
          where: { orderId: { in: orderIds }, startedAt: null },
          data: { startedAt: new Date(), startAttempts: { increment: 1 }, lastStartError: null, nextStartAt: null },
        });
        for (const id of orderIds) this.startedUnrecorded.delete(id);
      } catch (error) {
        this.options.log.warn({ orders: orderIds.length, err: errorText(error) }, 'could not record workflow starts; retrying');
        if (!this.closed) this.scheduleRecording(1_000);
        return;
      }
    }
  }
}

/** Orders whose `startedAt` one statement writes. */
const RECORD_BATCH = 500;

/** The order workflow's start: id from the order, searchable from its first second, described for the Web UI (Markdown: text escaped). */
export async function startOrderWorkflow(client: Client, input: OrderWorkflowInput, submittedBy: string): Promise<void> {
  const { orderId, request, promisedBy } = input;
  const memo: IntakeMemo = { requestHash: input.requestHash, submittedBy };
  await client.workflow.start<(input: OrderWorkflowInput) => Promise<unknown>>(ORDER_WORKFLOW_TYPE, {
    workflowId: ids.orderWorkflowId(orderId),
    taskQueue: TASK_QUEUES.orders,
    args: [input],
    // A twin, running or finished, makes the start fail: the same order is never started twice.
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    memo: { ...memo },
    typedSearchAttributes: [
      { key: searchAttributes.orderId, value: orderId },
      { key: searchAttributes.customerId, value: request.customer.id },
      { key: searchAttributes.orderStatus, value: 'received' },
      { key: searchAttributes.promisedBy, value: new Date(promisedBy) },
      { key: searchAttributes.escalated, value: false },
    ],
    staticSummary: `Order ${orderId} · ${request.lines.reduce((n, l) => n + l.quantity, 0)} item(s) · ${request.serviceLevel} to ${markdownText(request.shipTo.city)}`,
    staticDetails: [
      `**Order** ${orderId} from ${markdownText(request.source)} (key ${markdownText(submittedBy)})`,
      `**Promised by** ${promisedBy}${describePromise(input)}`,
      `**Lines** ${request.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ')}`,
    ].join('\n\n'),
  });
}

/** The promise's grounds for the Web UI: confidence, from where, and a caller's date refused. */
function describePromise(input: OrderWorkflowInput): string {
  const promise = input.promise;
  if (!promise) return '';
  const plan = promise.shipments.map((s) => `${s.warehouseCode} → ${s.carrierCode} ${s.serviceCode}`).join(', ');
  const refused = promise.requested && !promise.requested.met ? `; the caller's ${promise.requested.promisedBy} was refused` : '';
  return ` (${Math.round(promise.confidence * 100)} % confidence, ${promise.basis.replace(/_/g, ' ')}${plan ? `, ${plan}` : ''}${refused})`;
}

/**
 * How long sweeps leave an order alone after its `attempts`-th failed start: 2 s doubling up to the
 * cap, less up to a fifth at random so that orders failed together by one outage do not retry in step.
 */
export function startRetryDelayMs(attempts: number, maxMs: number): number {
  const base = Math.min(maxMs, 2_000 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
  return Math.round(base * (1 - Math.random() * 0.2));
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
