import type { CarrierCode, CarrierTrackingEvent } from '../../domain/carrier';
import type { CarrierSimulator, Clock, SoldLabel } from './simulator';
import { occurredAtMs } from './timeline';

/**
 * The simulated carriers' push side: each sold label's planned webhook deliveries are queued and
 * handed to a sink when they fall due (scenario duplicates and shuffles included). A failed
 * delivery is retried with backoff a bounded number of times and then dropped, as real carriers
 * do — polling `track` is the safety net, not this.
 *
 * Each push made (or dropped) is recorded in the simulator as settled, which its store saves; a
 * dispatcher built on a simulator that already sold labels — restored after a restart — picks up
 * every push not yet settled, those that fell due while the process was down first.
 */

/** Where webhooks go: HTTP to the API in a running system, straight into a test's hands otherwise. */
export interface WebhookSink {
  deliver(carrierCode: CarrierCode, events: CarrierTrackingEvent[]): Promise<void>;
}

export interface WebhookDispatcherOptions {
  simulator: CarrierSimulator;
  sink: WebhookSink;
  /** Defaults to the simulator's clock, which is what the delivery times are planned in. */
  clock?: Clock;
  maxAttempts?: number;
  /** Wait before the first retry; doubles per attempt. */
  retryBaseDelayMs?: number;
  /** Longest a live timer sleeps before reading the clock again, so a clock that jumps is followed. */
  maxTimerMs?: number;
  /** A webhook body carries at most this many events (the API accepts up to 100). */
  maxBatchSize?: number;
  onGiveUp?: (carrierCode: CarrierCode, events: CarrierTrackingEvent[], error: unknown) => void;
}

interface Pending {
  carrierCode: CarrierCode;
  sold: SoldLabel;
  /** Which of `sold.deliveries` this is. */
  index: number;
  event: CarrierTrackingEvent;
  dueAtMs: number;
  attempt: number;
}

export class WebhookDispatcher {
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxTimerMs: number;
  private readonly maxBatchSize: number;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private live = false;
  /** Deliveries run one round at a time, so a live tick and a manual call never interleave. */
  private rounds: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.clock = options.clock ?? options.simulator.clock;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.maxTimerMs = options.maxTimerMs ?? 1000;
    this.maxBatchSize = options.maxBatchSize ?? 100;
    this.unsubscribe = options.simulator.onLabelSold((sold) => this.schedule(sold));
    for (const sold of options.simulator.soldLabels()) this.schedule(sold);
  }

  /** Deliveries still to make, retries included. */
  get pending(): number {
    return this.queue.length;
  }

  /** Live mode: deliver on timers as deliveries fall due. Without it, call `deliverDue` yourself. */
  start(): void {
    this.live = true;
    this.arm();
  }

  /** Stops timers and new scheduling, then waits for a delivery already on the wire. */
  async stop(): Promise<void> {
    this.live = false;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    await this.rounds;
  }

  /** Delivers everything due by the clock's now; resolves with the number of events the sink accepted. */
  deliverDue(): Promise<number> {
    const round = this.rounds.then(() => this.deliverRound());
    this.rounds = round.catch(() => undefined);
    return round;
  }

  private schedule(sold: SoldLabel): void {
    const trackingNumber = sold.label.trackingNumber;
    sold.deliveries.forEach((delivery, index) => {
      if (this.options.simulator.isDeliverySettled(trackingNumber, index)) return;
      this.enqueue({ carrierCode: sold.label.carrierCode, sold, index, event: delivery.event, dueAtMs: delivery.deliverAtMs, attempt: 1 });
    });
    this.arm();
  }

  /** Keeps the queue ordered by due time; equal times keep insertion order, which carries the planned shuffles. */
  private enqueue(item: Pending): void {
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1]!.dueAtMs > item.dueAtMs) at--;
    this.queue.splice(at, 0, item);
  }

  private arm(): void {
    if (!this.live) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.queue[0];
    if (!next) return;
    const delayMs = Math.min(Math.max(0, next.dueAtMs - this.clock.now()), this.maxTimerMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.deliverDue().finally(() => this.arm());
    }, delayMs);
    // A forgotten dispatcher must not keep a process alive on its own.
    this.timer.unref();
  }

  private async deliverRound(): Promise<number> {
    const nowMs = this.clock.now();
    const due = this.queue.filter((item) => item.dueAtMs <= nowMs);
    this.queue = this.queue.filter((item) => item.dueAtMs > nowMs);
    // A voided label is scanned no more, so its later scans are never pushed either.
    const isDeliverable = (item: Pending) => item.sold.voidedAtMs === undefined || occurredAtMs(item.event) <= item.sold.voidedAtMs;
    const deliverable = due.filter(isDeliverable);
    const settled: Pending[] = due.filter((item) => !isDeliverable(item));

    let delivered = 0;
    try {
      for (const batch of this.batches(deliverable)) {
        const carrierCode = batch[0]!.carrierCode;
        const events = batch.map((item) => item.event);
        try {
          await this.options.sink.deliver(carrierCode, events);
          delivered += events.length;
          settled.push(...batch);
        } catch (error) {
          if (!this.retryLater(batch, error)) settled.push(...batch);
        }
      }
    } finally {
      // One save for the round; a crash before it costs a few duplicate pushes, which the API absorbs.
      // A failed save must not end the round: the record is in memory and rides along with the next save.
      try {
        this.options.simulator.settleDeliveries(
          settled.map((item) => ({ trackingNumber: item.sold.label.trackingNumber, index: item.index })),
        );
      } catch (error) {
        process.emitWarning(`webhook pushes made but not saved: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return delivered;
  }

  private batches(items: readonly Pending[]): Pending[][] {
    const byCarrier = new Map<CarrierCode, Pending[]>();
    for (const item of items) {
      const list = byCarrier.get(item.carrierCode) ?? [];
      list.push(item);
      byCarrier.set(item.carrierCode, list);
    }
    const batches: Pending[][] = [];
    for (const list of byCarrier.values()) {
      for (let i = 0; i < list.length; i += this.maxBatchSize) batches.push(list.slice(i, i + this.maxBatchSize));
    }
    return batches;
  }

  /** Queues the batch again with backoff; false when it is given up on instead. */
  private retryLater(batch: readonly Pending[], error: unknown): boolean {
    const attempt = batch[0]!.attempt;
    if (attempt >= this.maxAttempts) {
      this.options.onGiveUp?.(
        batch[0]!.carrierCode,
        batch.map((item) => item.event),
        error,
      );
      return false;
    }
    const dueAtMs = this.clock.now() + this.retryBaseDelayMs * 2 ** (attempt - 1);
    for (const item of batch) this.enqueue({ ...item, dueAtMs, attempt: attempt + 1 });
    return true;
  }
}
