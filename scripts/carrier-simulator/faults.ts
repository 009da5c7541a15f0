import type { CarrierCode } from '../../domain/carrier';
import { CarrierApiError, CarrierTimeout } from '../../activities/carriers/errors';
import { mulberry32, hashSeed, type Random } from './prng';

/**
 * API misbehaviour a carrier can be scripted with: latency on every call, a share of calls failing
 * with 503, a share hanging until they time out, and an explicit queue of faults for tests that
 * need "the first purchase fails, the retry succeeds" without hunting for a seed.
 */

export const CARRIER_OPERATIONS = ['quote', 'buyLabel', 'voidLabel', 'track'] as const;
export type CarrierOperation = (typeof CARRIER_OPERATIONS)[number];

export type FaultKind = 'error' | 'timeout';

export interface CarrierFaults {
  /** Share of calls (0..1) answered with a retryable 503. */
  errorRate?: number;
  /** Share of calls (0..1) that hang for `timeoutMs` and then fail with `CarrierTimeout`. */
  timeoutRate?: number;
  timeoutMs?: number;
  /** Real milliseconds every call takes before the carrier answers. */
  latencyMs?: number;
  /** Operations the rates apply to; all of them when omitted. */
  operations?: readonly CarrierOperation[];
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export type Sleep = (ms: number) => Promise<void>;

/**
 * Real timers that can all be woken at once, so closing the simulator never leaves a call hanging
 * (or a handle keeping a test process alive).
 */
export class WakeableSleep {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  readonly sleep: Sleep = (ms) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.pending.add(entry);
    });

  wakeAll(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.wake();
    }
    this.pending.clear();
  }
}

/**
 * Decides, per call, whether the carrier misbehaves. Draws come from a PRNG seeded per carrier, so
 * a given seed fails the same calls in the same order on every run.
 */
export class FaultInjector {
  private faults: CarrierFaults = {};
  private readonly queued: Array<{ kind: FaultKind; operation: CarrierOperation | undefined }> = [];
  private readonly random: Random;

  constructor(
    private readonly carrierCode: CarrierCode,
    seed: number,
    private readonly sleep: Sleep,
  ) {
    this.random = mulberry32(seed ^ hashSeed(carrierCode));
  }

  configure(faults: CarrierFaults): void {
    for (const rate of [faults.errorRate, faults.timeoutRate]) {
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new RangeError(`fault rates are between 0 and 1, got ${rate}`);
    }
    this.faults = { ...faults };
  }

  /** Forgets the faults queued and not played yet. */
  clearQueue(): void {
    this.queued.length = 0;
  }

  /** The next calls of `operation` (any operation when omitted) fail with these faults, in order. */
  enqueue(kinds: readonly FaultKind[], operation?: CarrierOperation): void {
    for (const kind of kinds) this.queued.push({ kind, operation });
  }

  /**
   * Runs one carrier call with the scripted misbehaviour. An error fails before the carrier acts;
   * a timeout fails after it acted — the lost response that idempotency keys exist for.
   */
  async run<T>(operation: CarrierOperation, act: () => T): Promise<T> {
    if (this.faults.latencyMs) await this.sleep(this.faults.latencyMs);
    const fault = this.draw(operation);
    if (fault === 'error') throw new CarrierApiError(this.carrierCode, 503, `${this.carrierCode} ${operation}: 503 Service Unavailable`);
    const result = act();
    if (fault === 'timeout') {
      const timeoutMs = this.faults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      await this.sleep(timeoutMs);
      throw new CarrierTimeout(this.carrierCode, timeoutMs, operation);
    }
    return result;
  }

  private draw(operation: CarrierOperation): FaultKind | undefined {
    const queuedAt = this.queued.findIndex((entry) => entry.operation === undefined || entry.operation === operation);
    if (queuedAt >= 0) return this.queued.splice(queuedAt, 1)[0]!.kind;

    const { errorRate = 0, timeoutRate = 0, operations } = this.faults;
    if (errorRate === 0 && timeoutRate === 0) return undefined;
    if (operations && !operations.includes(operation)) return undefined;
    const roll = this.random();
    if (roll < errorRate) return 'error';
    if (roll < errorRate + timeoutRate) return 'timeout';
    return undefined;
  }
}
