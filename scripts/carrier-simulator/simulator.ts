import type { CarrierApi, CarrierCode } from '../../domain/carrier';
import { CARRIER_CATALOGUE, type CarrierSpec } from './catalogue';
import { FaultInjector, WakeableSleep, type CarrierFaults, type CarrierOperation, type FaultKind, type Sleep } from './faults';
import type { ScenarioName, ScenarioScript } from './scenarios';
import { SimulatedCarrier, type Clock, type SoldLabel } from './simulated-carrier';
import type { TransitTruth } from './transit-truth';
import { decodeLabel, encodeLabel, SIMULATOR_SNAPSHOT_VERSION, type SimulatorSnapshot, type SimulatorStore } from './simulator-store';

/**
 * The carrier simulator: every carrier of the catalogue behind the `CarrierApi` contract, sharing
 * one clock and time scale, with scenarios and faults scriptable at construction or at run time.
 */

export type { Clock, SoldLabel } from './simulated-carrier';
export { FileSimulatorStore, type SimulatorSnapshot, type SimulatorStore } from './simulator-store';

export interface CarrierSimulatorOptions {
  /** Defaults to the wall clock; tests pass one reading the time-skipping server's time. */
  clock?: Clock;
  /** Business seconds per real second: 1 is real time, ~1440 lives a day in a minute. */
  timeScale?: number;
  scenarios?: ScenarioScript;
  faults?: Partial<Record<CarrierCode, CarrierFaults>>;
  /** Seeds the fault draws, so injected failures repeat run after run. */
  faultSeed?: number;
  /** Replaces the real timers behind latency and timeouts (tests: resolve at once). */
  sleep?: Sleep;
  catalogue?: readonly CarrierSpec[];
  /**
   * Keeps the carriers' state (labels sold, idempotency keys, counters, webhook pushes made) across
   * process restarts: loaded at construction, saved on every sale, void and settled push. Without
   * it the state lives as long as this object.
   */
  store?: SimulatorStore;
  /**
   * Calendar mode (transit-truth.ts): parcels are delivered on working days of the business calendar,
   * each carrier late against its quote as its true delay distribution says. Without it a parcel takes
   * its quoted days × 24 business hours.
   */
  truth?: TransitTruth;
}

/** One planned webhook push of a label: `index` in its `deliveries`. */
export interface DeliveryRef {
  trackingNumber: string;
  index: number;
}

export type LabelSoldListener = (sold: SoldLabel) => void;

const wallClock: Clock = { now: () => Date.now() };

export class CarrierSimulator {
  readonly clock: Clock;
  readonly timeScale: number;
  readonly catalogue: readonly CarrierSpec[];
  private readonly script: Required<ScenarioScript>;
  private readonly carriersByCode = new Map<CarrierCode, { api: SimulatedCarrier; faults: FaultInjector }>();
  private readonly listeners = new Set<LabelSoldListener>();
  private readonly timers = new WakeableSleep();
  private readonly store: SimulatorStore | undefined;
  /** Per tracking number, the indexes of its planned pushes already made (or dropped): never made again. */
  private readonly settledDeliveries = new Map<string, Set<number>>();

  constructor(options: CarrierSimulatorOptions = {}) {
    this.clock = options.clock ?? wallClock;
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${this.timeScale}`);
    this.catalogue = options.catalogue ?? CARRIER_CATALOGUE;
    this.script = {
      default: options.scenarios?.default ?? 'normal',
      byCarrier: { ...options.scenarios?.byCarrier },
      byShipment: { ...options.scenarios?.byShipment },
      shares: { ...options.scenarios?.shares },
    };
    const sleep = options.sleep ?? this.timers.sleep;
    for (const spec of this.catalogue) {
      const faults = new FaultInjector(spec.code, options.faultSeed ?? 1, sleep);
      const configured = options.faults?.[spec.code];
      if (configured) faults.configure(configured);
      const api = new SimulatedCarrier({
        spec,
        clock: this.clock,
        timeScale: this.timeScale,
        scenarios: () => this.script,
        faults,
        onSold: (sold) => this.announce(sold),
        onVoided: () => this.persist(),
        ...(options.truth ? { truth: options.truth } : {}),
      });
      this.carriersByCode.set(spec.code, { api, faults });
    }
    this.store = options.store;
    const snapshot = this.store?.load();
    if (snapshot) this.restore(snapshot);
  }

  carrier(code: CarrierCode): CarrierApi {
    return this.entry(code).api;
  }

  carriers(): CarrierApi[] {
    return [...this.carriersByCode.values()].map((entry) => entry.api);
  }

  /** Labels bought from after this call play `scenario` when bought for `shipmentId`. */
  scriptShipment(shipmentId: string, scenario: ScenarioName): void {
    this.script.byShipment[shipmentId] = scenario;
  }

  /** Labels bought from after this call play `scenario` on `carrierCode`, unless their shipment has its own. */
  scriptCarrier(carrierCode: CarrierCode, scenario: ScenarioName): void {
    this.entry(carrierCode);
    this.script.byCarrier[carrierCode] = scenario;
  }

  setFaults(carrierCode: CarrierCode, faults: CarrierFaults): void {
    this.entry(carrierCode).faults.configure(faults);
  }

  /** The next calls of `operation` (any operation when omitted) on `carrierCode` fail like this, in order. */
  queueFaults(carrierCode: CarrierCode, kinds: readonly FaultKind[], operation?: CarrierOperation): void {
    this.entry(carrierCode).faults.enqueue(kinds, operation);
  }

  /** Forgets the faults queued on `carrierCode` that no call has played yet. */
  clearQueuedFaults(carrierCode: CarrierCode): void {
    this.entry(carrierCode).faults.clearQueue();
  }

  /** Labels sold and charged: one per idempotency key, however often the purchase was retried. */
  labelsSold(carrierCode?: CarrierCode): number {
    const entries = carrierCode === undefined ? [...this.carriersByCode.values()] : [this.entry(carrierCode)];
    return entries.reduce((total, entry) => total + entry.api.labelsSold, 0);
  }

  /** What the carriers billed, in EUR cents: a retried purchase is billed once. */
  chargedCents(carrierCode?: CarrierCode): number {
    const entries = carrierCode === undefined ? [...this.carriersByCode.values()] : [this.entry(carrierCode)];
    return entries.reduce((total, entry) => total + entry.api.chargedCents, 0);
  }

  /** The carrier's whole record of a label, future scans included — for tests, demos and the dispatcher. */
  soldLabel(trackingNumber: string): SoldLabel | undefined {
    for (const { api } of this.carriersByCode.values()) {
      const sold = api.soldLabel(trackingNumber);
      if (sold) return sold;
    }
    return undefined;
  }

  /** Every label sold by every carrier, restored ones included. */
  soldLabels(): SoldLabel[] {
    return [...this.carriersByCode.values()].flatMap((entry) => entry.api.soldLabels());
  }

  /** Whether a planned webhook push was already made (or given up on): a restarted dispatcher skips it. */
  isDeliverySettled(trackingNumber: string, index: number): boolean {
    return this.settledDeliveries.get(trackingNumber)?.has(index) ?? false;
  }

  /** Records pushes made (or given up on), saving once for the lot. */
  settleDeliveries(refs: readonly DeliveryRef[]): void {
    let changed = false;
    for (const { trackingNumber, index } of refs) {
      let settled = this.settledDeliveries.get(trackingNumber);
      if (!settled) {
        settled = new Set();
        this.settledDeliveries.set(trackingNumber, settled);
      }
      if (!settled.has(index)) {
        settled.add(index);
        changed = true;
      }
    }
    if (changed) this.persist();
  }

  /** The whole state, as the store saves it. */
  snapshot(): SimulatorSnapshot {
    const carriers: SimulatorSnapshot['carriers'] = {};
    for (const [code, { api }] of this.carriersByCode) carriers[code] = { labelsSold: api.labelsSold, chargedCents: api.chargedCents };
    return {
      version: SIMULATOR_SNAPSHOT_VERSION,
      savedAt: new Date(this.clock.now()).toISOString(),
      carriers,
      labels: this.soldLabels().map((sold) => encodeLabel(sold, this.settledDeliveries.get(sold.label.trackingNumber))),
    };
  }

  /** Called on every new sale (not on idempotent replays); returns the unsubscribe function. */
  onLabelSold(listener: LabelSoldListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends pending latency and timeout waits at once, so no call hangs past shutdown. */
  close(): void {
    this.timers.wakeAll();
    this.listeners.clear();
  }

  private announce(sold: SoldLabel): void {
    // Saved before anyone hears of the sale: a label we answered with is a label the carrier remembers.
    this.persist();
    for (const listener of this.listeners) listener(sold);
  }

  private persist(): void {
    this.store?.save(this.snapshot());
  }

  private restore(snapshot: SimulatorSnapshot): void {
    const where = this.store?.location ?? 'the store';
    const byCarrier = new Map<CarrierCode, SoldLabel[]>();
    for (const stored of snapshot.labels) {
      const { sold, settled } = decodeLabel(stored);
      const code = sold.label.carrierCode;
      if (!this.carriersByCode.has(code))
        throw new Error(`the carrier simulator state ${where} holds a label of ${code}, a carrier this simulator does not have`);
      const labels = byCarrier.get(code) ?? [];
      labels.push(sold);
      byCarrier.set(code, labels);
      if (settled.size > 0) this.settledDeliveries.set(sold.label.trackingNumber, settled);
    }
    for (const code of Object.keys(snapshot.carriers)) {
      if (!this.carriersByCode.has(code))
        throw new Error(`the carrier simulator state ${where} holds sales of ${code}, a carrier this simulator does not have`);
    }
    for (const [code, { api }] of this.carriersByCode) {
      const labels = byCarrier.get(code) ?? [];
      const counters = snapshot.carriers[code] ?? {
        labelsSold: labels.length,
        chargedCents: labels.reduce((sum, sold) => sum + sold.label.amountCents, 0),
      };
      api.restore(labels, counters);
    }
  }

  private entry(code: CarrierCode): { api: SimulatedCarrier; faults: FaultInjector } {
    const entry = this.carriersByCode.get(code);
    if (!entry) throw new Error(`the simulator has no carrier ${code}`);
    return entry;
  }
}
