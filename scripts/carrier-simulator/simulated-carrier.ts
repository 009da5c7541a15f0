import { createHash } from 'node:crypto';
import {
  BuyLabelRequestSchema,
  RateRequestSchema,
  ReturnLabelRequestSchema,
  type BuyLabelRequest,
  type ReturnLabelRequest,
  type CarrierApi,
  type CarrierCode,
  type CarrierTrackingEvent,
  type LabelDocument,
  type LabelFormat,
  type PurchasedLabel,
  type RateQuote,
  type RateRequest,
} from '../../domain/carrier';
import { toBusinessMs } from '../../domain/business-clock';
import { DAY_MS, realDurationMs } from '../../domain/clock';
import { CURRENCY, deliveryDays, findServiceSpec, isCrossBorder, priceCents, type CarrierServiceSpec, type CarrierSpec } from './catalogue';
import { CarrierRejected } from '../../activities/carriers/errors';
import type { FaultInjector } from './faults';
import { simulatedLabelDocument } from './label-documents';
import { seededRandom } from './prng';
import { planScans, resolveScenario, type ScanPlace, type ScenarioName, type ScenarioScript } from './scenarios';
import { buildTimeline, planDeliveries, scansSoFar, trackingAnswer, type PlannedDelivery } from './timeline';
import { quotedDeliveryAtMs, realizedDeliveryAtMs, type TransitTruth } from './transit-truth';

/**
 * One simulated carrier's servers: its rate card, the labels it sold, their scan timelines. State
 * is in memory; the simulator saves it to its store on every change (`onSold`, `onVoided`) and
 * hands it back with `restore`, so it outlives our process as a carrier's servers would.
 */

export interface Clock {
  now(): number;
}

/** Everything the carrier knows about a label it sold. */
export interface SoldLabel {
  label: PurchasedLabel;
  shipmentId: string;
  idempotencyKey: string;
  scenario: ScenarioName;
  /** Every scan the parcel will ever get, by occurrence time; `track` shows those already past. */
  timeline: CarrierTrackingEvent[];
  /** How the carrier will push the timeline by webhook (empty for carriers without webhooks). */
  deliveries: PlannedDelivery[];
  voidedAtMs: number | undefined;
  /** What the purchase asked for: a reused idempotency key must ask for the same thing. */
  fingerprint: string;
}

export interface SimulatedCarrierDeps {
  spec: CarrierSpec;
  clock: Clock;
  timeScale: number;
  scenarios: () => ScenarioScript;
  faults: FaultInjector;
  onSold: (sold: SoldLabel) => void;
  /** Called when a label is voided, not when an already void label is voided again. */
  onVoided?: (sold: SoldLabel) => void;
  /** Calendar mode: parcels take working days on the business calendar, some carriers longer than they quote. */
  truth?: TransitTruth;
}

export class SimulatedCarrier implements CarrierApi {
  readonly code: CarrierCode;
  private readonly byLabelId = new Map<string, SoldLabel>();
  private readonly byTrackingNumber = new Map<string, SoldLabel>();
  private readonly byIdempotencyKey = new Map<string, SoldLabel>();
  private sales = 0;
  private charged = 0;

  constructor(private readonly deps: SimulatedCarrierDeps) {
    this.code = deps.spec.code;
  }

  /** Labels actually sold: retries with the same idempotency key do not count. */
  get labelsSold(): number {
    return this.sales;
  }

  /** What the carrier billed in total: a retried purchase is not billed again. */
  get chargedCents(): number {
    return this.charged;
  }

  soldLabel(trackingNumber: string): SoldLabel | undefined {
    return this.byTrackingNumber.get(trackingNumber);
  }

  /** Every label sold, in order of sale. */
  soldLabels(): SoldLabel[] {
    return [...this.byLabelId.values()];
  }

  /** Takes back the state saved before a restart; only into a carrier that has sold nothing yet. */
  restore(labels: readonly SoldLabel[], counters: { labelsSold: number; chargedCents: number }): void {
    if (this.byLabelId.size > 0 || this.sales > 0)
      throw new Error(`${this.code} has sold labels already; restore only into a fresh carrier`);
    for (const sold of labels) {
      if (sold.label.carrierCode !== this.code)
        throw new Error(`label ${sold.label.trackingNumber} belongs to ${sold.label.carrierCode}, not ${this.code}`);
      this.byLabelId.set(sold.label.carrierLabelId, sold);
      this.byTrackingNumber.set(sold.label.trackingNumber, sold);
      this.byIdempotencyKey.set(sold.idempotencyKey, sold);
    }
    this.sales = counters.labelsSold;
    this.charged = counters.chargedCents;
  }

  quote(request: RateRequest): Promise<RateQuote[]> {
    return this.deps.faults.run('quote', () => {
      const valid = this.acceptRoute(RateRequestSchema.safeParse(request));
      const shipAtMs = Date.parse(valid.shipAt);
      return this.deps.spec.services.map((service) => {
        const days = deliveryDays(service, valid);
        const truth = this.deps.truth;
        const estimatedAtMs = truth
          ? quotedDeliveryAtMs(truth, {
              originCountry: valid.from.countryCode,
              destinationCountry: valid.to.countryCode,
              quotedDays: days,
              handoverAtMs: shipAtMs,
            })
          : shipAtMs + realDurationMs(days * DAY_MS, this.deps.timeScale);
        return {
          carrierCode: this.code,
          serviceCode: service.code,
          serviceLevel: service.level,
          amountCents: priceCents(this.deps.spec, service, valid),
          currency: CURRENCY,
          deliveryDays: days,
          estimatedDeliveryAt: new Date(estimatedAtMs).toISOString(),
          guaranteed: service.guaranteed,
        };
      });
    });
  }

  buyLabel(request: BuyLabelRequest): Promise<PurchasedLabel> {
    return this.deps.faults.run('buyLabel', () => this.purchase(request));
  }

  /**
   * A return label for a parcel this carrier carried (ShipEngine's "create return label" from a label):
   * the same sale as an outbound one (idempotency key, scans, webhooks), on the carrier's cheapest level
   * of service, from the customer's door back to the warehouse, handed over a business day later. Its
   * scenario is scripted by its idempotency key.
   */
  returnLabel(request: ReturnLabelRequest): Promise<PurchasedLabel> {
    return this.deps.faults.run('buyLabel', () => {
      const parsed = ReturnLabelRequestSchema.safeParse(request);
      if (!parsed.success)
        throw new CarrierRejected(this.code, 'invalid_request', `${this.code} refused the return label: ${parsed.error.message}`);
      const outbound = this.byLabelId.get(parsed.data.carrierLabelId);
      if (!outbound) throw new CarrierRejected(this.code, 'unknown_label', `${this.code} sold no label ${parsed.data.carrierLabelId}`);
      const original = JSON.parse(outbound.fingerprint) as Pick<BuyLabelRequest, 'from' | 'to' | 'parcels'>;
      const { clock, timeScale } = this.deps;
      return this.purchase({
        shipmentId: parsed.data.idempotencyKey,
        idempotencyKey: parsed.data.idempotencyKey,
        serviceCode: returnService(this.deps.spec).code,
        from: { warehouseCode: 'RETURN', postalCode: original.to.postalCode, countryCode: original.to.countryCode },
        to: {
          name: `${original.from.warehouseCode} returns dock`,
          line1: 'Returns dock',
          city: original.from.warehouseCode,
          postalCode: original.from.postalCode,
          countryCode: original.from.countryCode,
        },
        parcels: original.parcels,
        shipAt: new Date(clock.now() + realDurationMs(DAY_MS, timeScale)).toISOString(),
      });
    });
  }

  private purchase(request: BuyLabelRequest): PurchasedLabel {
    {
      const fingerprint = fingerprintOf(request);
      const earlier = this.byIdempotencyKey.get(request.idempotencyKey);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) {
          throw new CarrierRejected(
            this.code,
            'idempotency_conflict',
            `idempotency key ${request.idempotencyKey} was used for a different purchase`,
          );
        }
        return earlier.label;
      }
      const valid = this.acceptRoute(BuyLabelRequestSchema.safeParse(request));
      const service = findServiceSpec(this.deps.spec, valid.serviceCode);
      if (!service) throw new CarrierRejected(this.code, 'unknown_service', `${this.code} has no service ${valid.serviceCode}`);
      const sold = this.sell(valid, service, fingerprint);
      this.deps.onSold(sold);
      return sold.label;
    }
  }

  voidLabel(carrierLabelId: string): Promise<{ voided: true }> {
    return this.deps.faults.run('voidLabel', () => {
      const sold = this.byLabelId.get(carrierLabelId);
      if (!sold) throw new CarrierRejected(this.code, 'unknown_label', `${this.code} sold no label ${carrierLabelId}`);
      if (sold.voidedAtMs === undefined) {
        sold.voidedAtMs = this.deps.clock.now();
        this.deps.onVoided?.(sold);
      }
      return { voided: true as const };
    });
  }

  async labelDocument(carrierLabelId: string, format: LabelFormat): Promise<LabelDocument | undefined> {
    const sold = this.byLabelId.get(carrierLabelId);
    if (!sold) throw new CarrierRejected(this.code, 'unknown_label', `${this.code} sold no label ${carrierLabelId}`);
    return { format, content: simulatedLabelDocument(sold.label, sold.shipmentId, format) };
  }

  track(trackingNumber: string): Promise<CarrierTrackingEvent[]> {
    return this.deps.faults.run('track', () => {
      const sold = this.byTrackingNumber.get(trackingNumber);
      if (!sold) throw new CarrierRejected(this.code, 'unknown_tracking_number', `${this.code} knows no parcel ${trackingNumber}`);
      return trackingAnswer(sold.scenario, scansSoFar(sold.timeline, this.deps.clock.now(), sold.voidedAtMs));
    });
  }

  private sell(request: BuyLabelRequest, service: CarrierServiceSpec, fingerprint: string): SoldLabel {
    const { spec, clock, timeScale } = this.deps;
    // Derived from the key, so a label keeps its number even if the simulator is rebuilt.
    const digest = createHash('sha256').update(`${this.code}:${request.idempotencyKey}`).digest('hex').slice(0, 12).toUpperCase();
    const trackingNumber = `${spec.trackingPrefix}${digest}`;
    const carrierLabelId = `${spec.trackingPrefix.toLowerCase()}_lbl_${digest.toLowerCase()}`;
    const purchasedAtMs = clock.now();
    const handoverAtMs = Math.max(purchasedAtMs, Date.parse(request.shipAt));
    const days = deliveryDays(service, request);
    const scenario = resolveScenario(this.deps.scenarios(), {
      carrierCode: this.code,
      shipmentId: request.shipmentId,
      recipientName: request.to.name,
      labelKey: request.idempotencyKey,
    });

    const random = seededRandom(trackingNumber);
    const calendar = this.calendarTransit(request, service, days, handoverAtMs);
    const steps = planScans(
      {
        scenario,
        deliveryDays: days,
        stallWindowHours: service.stallWindowHours,
        crossBorder: isCrossBorder(request),
        ...(calendar ? { deliveredAfterHandoverMs: calendar.deliveredAfterHandoverMs } : {}),
      },
      random,
    );
    const timeline = buildTimeline({
      carrierCode: this.code,
      trackingNumber,
      steps,
      purchasedAtMs,
      handoverAtMs,
      timeScale,
      places: placesOf(spec, request),
    });
    const deliveries = spec.supportsWebhooks ? planDeliveries(scenario, timeline, timeScale, random) : [];

    const sold: SoldLabel = {
      label: {
        carrierCode: this.code,
        serviceCode: service.code,
        carrierLabelId,
        trackingNumber,
        amountCents: priceCents(spec, service, request),
        currency: CURRENCY,
        labelUrl: `https://labels.simulator.colis.invalid/${this.code}/${carrierLabelId}.pdf`,
        estimatedDeliveryAt: new Date(calendar?.quotedAtMs ?? handoverAtMs + realDurationMs(days * DAY_MS, timeScale)).toISOString(),
        purchasedAt: new Date(purchasedAtMs).toISOString(),
      },
      shipmentId: request.shipmentId,
      idempotencyKey: request.idempotencyKey,
      scenario,
      timeline,
      deliveries,
      voidedAtMs: undefined,
      fingerprint,
    };
    this.sales += 1;
    this.charged += sold.label.amountCents;
    this.byLabelId.set(carrierLabelId, sold);
    this.byTrackingNumber.set(trackingNumber, sold);
    this.byIdempotencyKey.set(request.idempotencyKey, sold);
    return sold;
  }

  /** In calendar mode: when the parcel is really delivered (business ms after hand-over), and what was quoted. */
  private calendarTransit(
    request: BuyLabelRequest,
    service: CarrierServiceSpec,
    days: number,
    handoverAtMs: number,
  ): { deliveredAfterHandoverMs: number; quotedAtMs: number } | undefined {
    const truth = this.deps.truth;
    if (!truth) return undefined;
    const lane = {
      originCountry: request.from.countryCode,
      destinationCountry: request.to.countryCode,
      quotedDays: days,
      handoverAtMs,
    };
    const deliveredAtMs = realizedDeliveryAtMs(truth, {
      ...lane,
      shipmentId: request.shipmentId,
      carrierCode: this.code,
      serviceCode: service.code,
    });
    return {
      deliveredAfterHandoverMs: toBusinessMs(truth.clock, deliveredAtMs) - toBusinessMs(truth.clock, handoverAtMs),
      quotedAtMs: quotedDeliveryAtMs(truth, lane),
    };
  }

  /** The carrier's own checks: a well-formed request to a country it serves, parcels within its limits. */
  private acceptRoute<T extends RateRequest>(parsed: { success: true; data: T } | { success: false; error: { message: string } }): T {
    if (!parsed.success)
      throw new CarrierRejected(this.code, 'invalid_request', `${this.code} refused the request: ${parsed.error.message}`);
    const request = parsed.data;
    const { spec } = this.deps;
    if (!spec.destinationCountries.includes(request.to.countryCode)) {
      throw new CarrierRejected(this.code, 'unsupported_destination', `${this.code} does not deliver to ${request.to.countryCode}`);
    }
    request.parcels.forEach((parcel, i) => {
      if (parcel.weightGrams > spec.maxParcelWeightGrams) {
        throw new CarrierRejected(
          this.code,
          'parcel_too_heavy',
          `parcel ${i + 1} weighs ${parcel.weightGrams} g, over ${this.code}'s ${spec.maxParcelWeightGrams} g`,
        );
      }
      const longestMm = Math.max(parcel.lengthMm, parcel.widthMm, parcel.heightMm);
      if (longestMm > spec.maxParcelLengthMm) {
        throw new CarrierRejected(
          this.code,
          'parcel_too_long',
          `parcel ${i + 1} is ${longestMm} mm long, over ${this.code}'s ${spec.maxParcelLengthMm} mm`,
        );
      }
    });
    return request;
  }
}

/** Returns travel on the slowest level the carrier sells: economy where it has one. */
function returnService(spec: CarrierSpec): CarrierServiceSpec {
  const byLevel = (level: CarrierServiceSpec['level']) => spec.services.find((s) => s.level === level);
  const service = byLevel('economy') ?? byLevel('standard') ?? spec.services[0];
  if (!service) throw new Error(`${spec.code} sells no service`);
  return service;
}

/**
 * The parts of a purchase that make it "the same purchase". `shipAt` is left out on purpose: a
 * retried activity may recompute it, and that must not turn a retry into a conflict.
 */
function fingerprintOf(request: BuyLabelRequest): string {
  const { shipmentId, serviceCode, from, to, parcels } = request;
  return canonicalJson({ shipmentId, serviceCode, from, to, parcels });
}

/** JSON with object keys sorted, so key order never makes two equal requests look different. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function placesOf(spec: CarrierSpec, request: RateRequest): Record<ScanPlace, string> {
  return {
    origin: `${request.from.warehouseCode}, ${request.from.postalCode} ${request.from.countryCode}`,
    origin_hub: `${spec.name} hub, ${request.from.countryCode}`,
    destination_hub: `${spec.name} hub, ${request.to.countryCode}`,
    destination: `${request.to.city}, ${request.to.postalCode} ${request.to.countryCode}`,
  };
}
