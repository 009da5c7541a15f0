import type { FastifyBaseLogger } from 'fastify';
import type { PlanningFacts } from '../../activities/planning-facts';
import { type BusinessClock, deadlineToBusinessMs, toRealMs } from '../../domain/business-clock';
import type { DecisionSettings } from '../../domain/decision-rules';
import { type Destination, lastDeliveryDayBy } from '../../domain/fulfilment-plan';
import type { OrderRequest, ServiceLevel } from '../../domain/order';
import type { DeliveryPromise } from '../../domain/delivery-promise';
import { promisedByFor } from '../../domain/promise';
import { levelsServing } from '../../domain/served-levels';
import { ApiError } from '../errors';
import { buildPlans, computePromise, type EnginePromise, planForPromise } from '../../domain/promise-engine';
import { type PendingPickDays, type PickDay, PromisedCapacity } from './promised-capacity';
import { type PendingHold, PromisedStockHolds } from './promised-stock';
import { stockHoldsOf } from '../../domain/promised-stock';

/**
 * Intake's promise: the engine's answer (domain/promise-engine.ts) on the facts of the moment, turned from
 * business time into the real instants the journey's timers use, the pick days it counts on (booked
 * against capacity with the order, so a burst makes later promises instead of broken ones) and the stock it
 * counts on (held until the order reserves, so the last unit is promised once).
 * Under `COLIS_DECISION_RULES=baseline`, the fixed-day promise Colis made before, for comparison.
 */

export interface IntakePromise {
  promise: DeliveryPromise;
  /** Pick days the promise relies on, one per planned shipment: counted as promised capacity from the moment it was computed. */
  pickDays: PendingPickDays;
  /** Stock the promise counts on, held in this process from the moment it was computed. */
  stockHold: PendingHold;
}

const NOTHING_HELD: PendingHold = { holds: [] };
const NO_PICK_DAYS: PendingPickDays = { pickDays: [] };

export class PromiseService {
  private readonly capacity: PromisedCapacity;
  private readonly stock: PromisedStockHolds;

  constructor(
    private readonly facts: PlanningFacts,
    private readonly clock: BusinessClock,
    private readonly settings: DecisionSettings,
    private readonly log: FastifyBaseLogger,
  ) {
    this.capacity = new PromisedCapacity(facts.db, () => facts.invalidateCapacity(), log);
    facts.unwrittenPromises = () => this.capacity.unwritten();
    this.stock = new PromisedStockHolds(facts.db, log);
    facts.unseenHolds = (readAtMs) => this.stock.unseen(readAtMs);
  }

  /** An accepted order's promise counts on these pick days and this stock (committed with it): later promises see them. */
  committed(intake: IntakePromise): void {
    this.capacity.commit(intake.pickDays);
    this.stock.written(intake.stockHold);
  }

  /** The promise was not used (the order was a twin, or not committed): it holds no stock. */
  discarded(intake: IntakePromise): void {
    this.capacity.drop(intake.pickDays);
    this.stock.drop(intake.stockHold);
  }

  /** Writes the pick days promised so far now rather than with the next batch. */
  flushPromisedCapacity(): Promise<void> {
    return this.capacity.flush();
  }

  /** Writes the pick days still pending (the API is closing). */
  async close(): Promise<void> {
    await Promise.all([this.capacity.close(), this.stock.close()]);
  }

  get businessClock(): BusinessClock {
    return this.clock;
  }

  /** The next promise reads the network again (ops changed a warehouse's capacity or status). */
  invalidateFacts(): void {
    this.facts.invalidate();
  }

  /**
   * An order at a service level no carrier offers to its country (economy to the US) is refused naming `field`: at
   * intake it got a far fallback date of confidence 0 and was then booked on another level; an address change to such
   * a country would book the parcel on a level the customer did not pay for. Facts that cannot be read refuse nothing
   * (intake falls back on the engine's own answer); a country no carrier serves at all is the no-carrier escalation's.
   */
  async refuseUnservedLevel(level: ServiceLevel, countryCode: string, field: string, atMs: number): Promise<void> {
    const network = await this.facts.networkFacts(atMs).catch(() => undefined);
    const served = network ? levelsServing(network.services, countryCode) : [];
    if (served.length === 0 || served.includes(level)) return;
    const why = `no ${level} service delivers to ${countryCode}: ${served.join(', ')} do`;
    throw new ApiError(400, 'validation_failed', why, [{ path: field, message: why }]);
  }

  async promiseFor(request: OrderRequest, receivedAtMs: number): Promise<IntakePromise> {
    // Facts that cannot be read here are the engine's to fall back on below; only a level no service offers refuses.
    await this.refuseUnservedLevel(request.serviceLevel, request.shipTo.countryCode, 'body.serviceLevel', receivedAtMs);
    try {
      return this.settings.rules === 'baseline' ? await this.baseline(request, receivedAtMs) : await this.engine(request, receivedAtMs);
    } catch (error) {
      // Intake answers whatever happens: a promise the engine could not make falls back to the fixed rule, and says so.
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'promise engine failed; fixed-day promise given');
      const reason = 'no date could be computed; the fixed-day rule gave this one';
      return { promise: { ...this.fixedDays(request, receivedAtMs, 0), reason }, pickDays: NO_PICK_DAYS, stockHold: NOTHING_HELD };
    }
  }

  private async engine(request: OrderRequest, receivedAtMs: number): Promise<IntakePromise> {
    const [network, settle] = await Promise.all([
      this.facts.networkFacts(receivedAtMs),
      this.facts.readSituation({
        clock: this.clock,
        nowMs: receivedAtMs,
        serviceLevel: request.serviceLevel,
        backorderPolicy: request.backorderPolicy,
        lines: linesOf(request),
        destination: destinationOf(request),
        ...(request.promisedBy ? { requestedBy: Date.parse(request.promisedBy) } : {}),
      }),
    ]);
    // From the settling to the holds nothing is awaited: the promise counts every hold made before it in this process,
    // and the one computed next counts this one's (PlanningFacts.readSituation).
    const answer = computePromise(settle(), network, { confidence: this.settings.promiseConfidence, horizonDays: 30 });
    const promise = this.toDeliveryPromise(answer, request, receivedAtMs);
    return {
      promise,
      pickDays: this.capacity.pend(pickDaysOf(answer)),
      stockHold: this.stock.pend(stockHoldsOf(answer.choice)),
    };
  }

  /** Today's rules: a fixed number of days (or the caller's date, accepted as given); its odds still measured. */
  private async baseline(request: OrderRequest, receivedAtMs: number): Promise<IntakePromise> {
    const promisedBy = request.promisedBy ?? promisedByFor(request.serviceLevel, receivedAtMs, this.clock.scale);
    const [network, situation] = await Promise.all([
      this.facts.networkFacts(receivedAtMs),
      this.facts.situation({
        clock: this.clock,
        nowMs: receivedAtMs,
        serviceLevel: request.serviceLevel,
        backorderPolicy: request.backorderPolicy,
        lines: linesOf(request),
        destination: destinationOf(request),
      }),
    ]);
    const { plans } = buildPlans(situation, network);
    const day = lastDeliveryDayBy(situation.destination, deadlineToBusinessMs(this.clock, Date.parse(promisedBy)));
    const kept = planForPromise(plans, situation.destination, day, { confidence: 0.5, horizonDays: 30 });
    const confidence = kept?.keepsPromise ? kept.choice.confidence : 0;
    return {
      promise: { ...this.fixedDays(request, receivedAtMs, confidence), deliverBy: new Date(promisedBy).toISOString() },
      pickDays: NO_PICK_DAYS,
      stockHold: NOTHING_HELD,
    };
  }

  private fixedDays(request: OrderRequest, receivedAtMs: number, confidence: number): DeliveryPromise {
    const deliverBy = request.promisedBy ?? promisedByFor(request.serviceLevel, receivedAtMs, this.clock.scale);
    return {
      deliverBy: new Date(deliverBy).toISOString(),
      shipBy: new Date(receivedAtMs).toISOString(),
      confidence,
      basis: 'fixed_days',
      shipments: [],
      estimatedCostCents: 0,
      currency: 'EUR',
      computedAt: new Date(receivedAtMs).toISOString(),
    };
  }

  private toDeliveryPromise(answer: EnginePromise, request: OrderRequest, receivedAtMs: number): DeliveryPromise {
    const real = (businessMs: number) => new Date(toRealMs(this.clock, businessMs)).toISOString();
    const business = (businessMs: number) => new Date(businessMs).toISOString();
    return {
      // A kept caller's date is theirs to the millisecond, whatever the clock's rounding.
      deliverBy: answer.requested?.met && request.promisedBy ? new Date(request.promisedBy).toISOString() : real(answer.deliverByMs),
      shipBy: real(answer.shipByMs),
      confidence: round(answer.confidence),
      ...(answer.undatedReason ? { reason: answer.undatedReason.text, reasonCode: answer.undatedReason.code } : {}),
      basis: answer.basis,
      shipments: (answer.choice?.shipments ?? []).map((s) => ({
        warehouseCode: s.option.warehouseCode,
        lines: s.option.lines.map((line) => ({ sku: line.skuCode, quantity: line.quantity })),
        shipBy: real(s.option.shipByMs),
        carrierCode: s.service.carrierCode,
        serviceCode: s.service.serviceCode,
        onTimeProbability: round(s.probability),
        estimatedCostCents: s.option.packagingCents + s.service.priceCents,
      })),
      estimatedCostCents: answer.choice?.costCents ?? 0,
      currency: 'EUR',
      ...(answer.requested && request.promisedBy
        ? {
            requested: {
              promisedBy: new Date(request.promisedBy).toISOString(),
              met: answer.requested.met,
              confidence: round(answer.requested.confidence),
              ...(answer.requested.reason ? { reason: answer.requested.reason.text, reasonCode: answer.requested.reason.code } : {}),
            },
          }
        : {}),
      ...(this.clock.scale !== 1
        ? { businessTime: { deliverBy: business(answer.deliverByMs), shipBy: business(answer.shipByMs), timeScale: this.clock.scale } }
        : {}),
      computedAt: new Date(receivedAtMs).toISOString(),
    };
  }
}

const round = (p: number) => Math.round(p * 10_000) / 10_000;

function linesOf(request: OrderRequest) {
  return request.lines.map((line, i) => ({ lineId: `L${i + 1}`, skuCode: line.sku, quantity: line.quantity }));
}

function destinationOf(request: OrderRequest): Destination {
  const { countryCode, postalCode, region } = request.shipTo;
  return { countryCode, postalCode, ...(region ? { region } : {}) };
}

function pickDaysOf(answer: EnginePromise): PickDay[] {
  return (answer.choice?.shipments ?? [])
    .map((s) => ({ warehouseCode: s.option.warehouseCode, day: s.option.handoverDay }))
    .sort((a, b) => (a.warehouseCode < b.warehouseCode ? -1 : a.warehouseCode > b.warehouseCode ? 1 : a.day < b.day ? -1 : 1));
}
