import type { CarrierApi, CarrierCode } from '../../domain/carrier';
import { CARRIER_CATALOGUE, type CarrierSpec } from './catalogue';
import { FaultInjector, WakeableSleep, type CarrierFaults, type CarrierOperation, type FaultKind, type Sleep } from './faults';
import type { ScenarioName, ScenarioScript } from './scenarios';
import { SimulatedCarrier, type Clock, type SoldLabel } from './simulated-carrier';

/**
 * The carrier simulator: every carrier of the catalogue behind the `CarrierApi` contract, sharing
 * one clock and time scale, with scenarios and faults scriptable at construction or at run time.
 */

export type { Clock, SoldLabel } from './simulated-carrier';

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

  constructor(options: CarrierSimulatorOptions = {}) {
    this.clock = options.clock ?? wallClock;
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${this.timeScale}`);
    this.catalogue = options.catalogue ?? CARRIER_CATALOGUE;
    this.script = {
      default: options.scenarios?.default ?? 'normal',
      byCarrier: { ...options.scenarios?.byCarrier },
      byShipment: { ...options.scenarios?.byShipment },
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
      });
      this.carriersByCode.set(spec.code, { api, faults });
    }
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
    for (const listener of this.listeners) listener(sold);
  }

  private entry(code: CarrierCode): { api: SimulatedCarrier; faults: FaultInjector } {
    const entry = this.carriersByCode.get(code);
    if (!entry) throw new Error(`the simulator has no carrier ${code}`);
    return entry;
  }
}
