import type { CarrierCode, TrackingStatus } from '../../domain/carrier';
import { HOUR_MS } from '../../domain/clock';
import { between, type Random, seededRandom } from './prng';

/**
 * What happens to a parcel once the simulator sells its label: the script of scans for each
 * scenario, in business time from the hand-over to the carrier. Pure — timing in real instants and
 * the carrier's raw codes are added by timeline.ts.
 */

export const SCENARIOS = [
  'normal',
  'slow_scans',
  'stall',
  'exception',
  'exception_then_delivered',
  'return_to_sender',
  'lost',
  'delivery_failed_then_delivered',
  'late',
  'duplicate_events',
  'out_of_order',
  'unused',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** The last status each scenario leaves the parcel in: the contract tests and demos rely on. */
export const SCENARIO_FINAL_STATUS: Record<ScenarioName, TrackingStatus> = {
  normal: 'delivered',
  slow_scans: 'delivered',
  stall: 'in_transit',
  exception: 'exception',
  exception_then_delivered: 'delivered',
  return_to_sender: 'returned_to_sender',
  lost: 'lost',
  delivery_failed_then_delivered: 'delivered',
  late: 'delivered',
  duplicate_events: 'delivered',
  out_of_order: 'delivered',
  unused: 'label_created',
};

/** Which scenario a shipment plays. Most specific wins: shipment, name tag, carrier, default. */
export interface ScenarioScript {
  default?: ScenarioName;
  byCarrier?: Partial<Record<CarrierCode, ScenarioName>>;
  byShipment?: Record<string, ScenarioName>;
  /**
   * Shares of labels that play a scenario, drawn per label from its idempotency key (so a re-shipped parcel
   * draws again): `{ stall: 0.05 }` stalls one label in twenty. Below a shipment's own script and name tag.
   */
  shares?: Partial<Record<ScenarioName, number>>;
}

/** Demos pick a scenario from the outside by naming the recipient e.g. "Ada Lovelace [scenario:stall]". */
const NAME_TAG = /\[scenario:([a-z_]+)\]/;

export function scenarioFromName(recipientName: string): ScenarioName | undefined {
  const tag = NAME_TAG.exec(recipientName)?.[1];
  return tag !== undefined && isScenarioName(tag) ? tag : undefined;
}

export function resolveScenario(
  script: ScenarioScript,
  shipment: { carrierCode: CarrierCode; shipmentId: string; recipientName: string; labelKey?: string },
): ScenarioName {
  return (
    script.byShipment?.[shipment.shipmentId] ??
    scenarioFromName(shipment.recipientName) ??
    drawnScenario(script.shares, shipment.labelKey) ??
    script.byCarrier?.[shipment.carrierCode] ??
    script.default ??
    'normal'
  );
}

export function drawnScenario(shares: ScenarioScript['shares'], labelKey: string | undefined): ScenarioName | undefined {
  if (!shares || labelKey === undefined) return undefined;
  const u = seededRandom(`${labelKey}:scenario`)();
  let cumulative = 0;
  for (const name of SCENARIOS) {
    cumulative += shares[name] ?? 0;
    if (u < cumulative) return name;
  }
  return undefined;
}

export type ScanPlace = 'origin' | 'origin_hub' | 'destination_hub' | 'destination';

export interface ScanStep {
  status: TrackingStatus;
  detail: string;
  place: ScanPlace;
  /** Business milliseconds after the hand-over to the carrier. */
  afterHandoverMs: number;
}

export interface ScanPlanInput {
  scenario: ScenarioName;
  /** Business days promised by the service for this route (cross-border included). */
  deliveryDays: number;
  stallWindowHours: number;
  crossBorder: boolean;
  /**
   * Calendar mode (transit-truth.ts): the business milliseconds from hand-over to the delivery the carrier
   * will really make. The journey's scans then fit it, with a line-haul scan every 12 hours so no gap nears a
   * stall window over a weekend; without it the parcel takes `deliveryDays` × 24 hours.
   */
  deliveredAfterHandoverMs?: number;
}

/**
 * The scans after the label is created, in order. Normal journeys keep every gap well inside the
 * stall window so that only the `stall` and `lost` scenarios trip the stuck detector; `slow_scans`
 * runs close to it (three quarters of the window) to prove the detector does not fire early.
 */
export function planScans(input: ScanPlanInput, random: Random): ScanStep[] {
  const jitter = (hours: number) => between(random, -hours, hours) * HOUR_MS;
  const at = (hours: number) => hours * HOUR_MS;
  const calendar = input.deliveredAfterHandoverMs !== undefined;
  const endOfTransitMs = calendar ? (input.deliveredAfterHandoverMs ?? 0) + at(6) : at(input.deliveryDays * 24);
  const hubPlace: ScanPlace = input.crossBorder ? 'destination_hub' : 'origin_hub';

  const pickedUp: ScanStep = { status: 'in_transit', detail: 'Parcel picked up', place: 'origin', afterHandoverMs: at(2) + jitter(1) };
  const atHub: ScanStep = {
    status: 'in_transit',
    detail: 'Arrived at sorting hub',
    place: 'origin_hub',
    afterHandoverMs: at(6) + jitter(1),
  };
  const linehaul: ScanStep[] = [];
  if (calendar) {
    for (let hours = 18; at(hours) < endOfTransitMs - at(18); hours += 12) {
      linehaul.push({ status: 'in_transit', detail: 'Departed sorting hub', place: hubPlace, afterHandoverMs: at(hours) + jitter(1) });
    }
  } else {
    for (let day = 1; day < input.deliveryDays; day++) {
      linehaul.push({ status: 'in_transit', detail: 'Departed sorting hub', place: hubPlace, afterHandoverMs: at(day * 24) + jitter(2) });
    }
  }
  const outForDelivery: ScanStep = {
    status: 'out_for_delivery',
    detail: 'Out for delivery',
    place: 'destination',
    afterHandoverMs: endOfTransitMs - at(12) + jitter(1),
  };
  const delivered: ScanStep = {
    status: 'delivered',
    detail: 'Delivered',
    place: 'destination',
    // In calendar mode the delivery instant is the truth itself: no jitter on it.
    afterHandoverMs: endOfTransitMs - at(6) + (calendar ? 0 : jitter(1)),
  };
  const onTime = [pickedUp, atHub, ...linehaul, outForDelivery, delivered];
  const shift = (step: ScanStep, hours: number): ScanStep => ({ ...step, afterHandoverMs: step.afterHandoverMs + at(hours) });

  switch (input.scenario) {
    case 'normal':
    case 'duplicate_events':
    case 'out_of_order':
      return onTime;

    case 'slow_scans': {
      const gapMs = at(input.stallWindowHours * 0.75);
      const steps: ScanStep[] = [pickedUp];
      for (const step of [atHub, { ...atHub, detail: 'Departed sorting hub', place: hubPlace }, outForDelivery]) {
        steps.push({ ...step, afterHandoverMs: steps[steps.length - 1]!.afterHandoverMs + gapMs });
      }
      steps.push({ ...delivered, afterHandoverMs: steps[steps.length - 1]!.afterHandoverMs + at(4) });
      return steps;
    }

    case 'stall':
      return [pickedUp];

    // The label is never used: nobody hands the parcel over (a return the customer changed their mind about).
    case 'unused':
      return [];

    case 'exception':
      return [
        pickedUp,
        atHub,
        {
          status: 'exception',
          detail: 'Parcel damaged in sorting, held for inspection',
          place: 'origin_hub',
          afterHandoverMs: atHub.afterHandoverMs + at(4),
        },
      ];

    case 'exception_then_delivered': {
      const exception: ScanStep = {
        status: 'exception',
        detail: 'Address label unreadable, parcel relabelled',
        place: 'origin_hub',
        afterHandoverMs: atHub.afterHandoverMs + at(4),
      };
      const resumed: ScanStep = {
        status: 'in_transit',
        detail: 'Back in the network after relabelling',
        place: 'origin_hub',
        afterHandoverMs: exception.afterHandoverMs + at(12),
      };
      return [
        pickedUp,
        atHub,
        exception,
        resumed,
        ...linehaul.map((step) => shift(step, 24)),
        shift(outForDelivery, 24),
        shift(delivered, 24),
      ];
    }

    case 'return_to_sender': {
      const failed: ScanStep = {
        status: 'delivery_failed',
        detail: 'Address not found',
        place: 'destination',
        afterHandoverMs: outForDelivery.afterHandoverMs + at(3),
      };
      const returned: ScanStep = {
        status: 'returned_to_sender',
        detail: 'Returned to sender',
        place: 'origin',
        afterHandoverMs: failed.afterHandoverMs + at(20),
      };
      return [pickedUp, atHub, ...linehaul, outForDelivery, failed, returned];
    }

    case 'lost':
      return [
        pickedUp,
        atHub,
        { status: 'lost', detail: 'Declared lost after investigation', place: 'origin_hub', afterHandoverMs: endOfTransitMs + at(72) },
      ];

    case 'delivery_failed_then_delivered': {
      const failed: ScanStep = {
        status: 'delivery_failed',
        detail: 'Recipient absent, second attempt tomorrow',
        place: 'destination',
        afterHandoverMs: outForDelivery.afterHandoverMs + at(3),
      };
      return [pickedUp, atHub, ...linehaul, outForDelivery, failed, shift(outForDelivery, 24), shift(delivered, 24)];
    }

    case 'late': {
      const delayed: ScanStep = {
        status: 'in_transit',
        detail: 'Delayed in the network',
        place: hubPlace,
        afterHandoverMs: endOfTransitMs - at(6),
      };
      return [pickedUp, atHub, ...linehaul, delayed, shift(outForDelivery, 24), shift(delivered, 24)];
    }
  }
}
