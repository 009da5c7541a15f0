import { Context, heartbeat, log } from '@temporalio/activity';
import type {
  BuyLabelRequest,
  CarrierApi,
  CarrierTrackingEvent,
  LabelDocument,
  PurchasedLabel,
  RateQuote,
  RateRequest,
} from '../domain/carrier';
import { convertMinor, DEFAULT_CURRENCY, type QuoteLeftOut, quotesIn } from '../domain/money';
import { screenScans } from '../domain/scan-screening';
import type { CarrierDecision, CarrierDecisionRequest } from './carrier-decision';
import { fetchLabelDocuments } from './carriers/label-documents';
import type { CarrierRegistry } from './carriers/registry';
import { parcelTracking } from './carriers/tracking-mode';
import {
  CarrierApiError,
  CarrierUnavailable,
  toApplicationFailure as carrierFailure,
  isCarrierError,
  NOT_PROCESSED_STATUSES,
} from './carriers/errors';
import type { Db } from './db';
import { ScanRhythms } from './scan-rhythm';
import { type StageRecord, upsertStage } from './stage-timing';
import { parcelOfTrackingNumber, storeUnmappedScans } from './unmapped-scans';

export interface BookedLabel extends PurchasedLabel {
  attempt: number;
  /** When the shipment entered `label_created`, as the purchase wrote it (`LabelPurchase.stage`); absent: not written. */
  stageEnteredAt?: string;
}

export interface CarrierInfo {
  code: string;
  reliability: number;
  supportsWebhooks: boolean;
  /** Set for carriers that push scans yet are polled too, every this fraction of the stall window (ShipEngine). */
  pollStallFraction?: number;
  /**
   * The carrier's learned stall windows (business hours) after a parcel's 1st, 2nd and later transit scans
   * (domain/scan-rhythm.ts); null for a step not learned yet. Absent until the carrier has scanned enough parcels.
   */
  stallWindowHours?: (number | null)[];
}

export interface RateShop {
  carriers: CarrierInfo[];
  quotes: RateQuote[];
  /** Carriers that did not answer (after their attempts) or refused the request, and why. */
  unanswered: { carrierCode: string; reason: string }[];
  /** Quotes in another currency than the order's with no configured rate (COLIS_FX_RATES): not compared, and why. */
  leftOut?: QuoteLeftOut[];
  /** The service to book among `quotes`, when the workflow asked for it (`choose`) and this worker could decide. */
  choice?: CarrierDecision;
}

/** Each carrier gets a few quick attempts in one rate shop; one that stays down is left out of it. */
const QUOTE_ATTEMPTS = 4;
const QUOTE_BACKOFF_MS = [500, 1000, 2000];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Carrier errors leave as typed failures: rejections non-retryable, outages and timeouts retried. */
async function carrierCall<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isCarrierError(error)) throw carrierFailure(error);
    throw error;
  }
}

/** The carrier decision (activities/carrier-decision.ts), when this worker can make it with the rate shop. */
export type ChooseQuote = (input: CarrierDecisionRequest) => Promise<CarrierDecision>;

/** What the rate shop needs to choose the service as well: the decision's request without what the shop itself finds. */
export type RateShopChoice = Omit<CarrierDecisionRequest, 'shipmentId' | 'quotes' | 'reliability'>;

export interface LabelPurchase {
  shipmentId: string;
  attempt: number;
  carrierCode: string;
  request: Omit<BuyLabelRequest, 'idempotencyKey'>;
  fastestCostCents?: number;
  promiseMiss: boolean;
  /** From the carrier decision (activities/carrier-decision.ts): what this booking paid for risk. */
  riskPremiumCents?: number;
  /** Learned P(delivered by the promise) of the booked service. */
  onTimeProbability?: number;
  /**
   * Give up after this many unprocessed refusals in a row (503, 429) with CarrierUnavailable, so the booking
   * can go to another carrier; absent: retried until the carrier sells. Honoured on the activity's first
   * attempt only: a later attempt cannot know whether an earlier one timed out after the carrier sold.
   */
  fallbackAfterRefusals?: number;
  /**
   * v3: the shipment's `label_created` status and its stage visits, written in the label's transaction instead of
   * a bookkeeping task of the workflow's own: the visits ended and not yet written, then the visit in progress
   * (booking), which the purchase ends where `label_created` begins.
   */
  stage?: { stages: StageRecord[] };
}

/** Pauses between unprocessed refusals within one purchase attempt, before giving the booking back. */
const REFUSAL_BACKOFF_MS = [500, 1000, 2000];

/**
 * The carrier's buyLabel, asked again after an unprocessed refusal (503, 429) up to `giveUpAfter` times,
 * then CarrierUnavailable. Anything else — a timeout, a 500, a refusal of the request itself — leaves at
 * once for Temporal's retry with the same idempotency key.
 */
async function buyUnlessUnavailable(api: CarrierApi, request: BuyLabelRequest, giveUpAfter: number | undefined) {
  for (let refusals = 1; ; refusals++) {
    try {
      return await api.buyLabel(request);
    } catch (error) {
      const unprocessed = error instanceof CarrierApiError && NOT_PROCESSED_STATUSES.includes(error.status);
      if (giveUpAfter === undefined || !unprocessed) throw error;
      if (refusals >= giveUpAfter) throw new CarrierUnavailable(error.carrierCode, refusals, error);
      heartbeat(`${error.carrierCode} refusal ${refusals}`);
      await pause(REFUSAL_BACKOFF_MS[refusals - 1] ?? 2000);
    }
  }
}

/**
 * Now, for dating scans on receipt: the wall clock, or the server's time for this attempt when it is
 * ahead (a time-skipping test server, whose simulated carriers date their scans on its clock).
 */
function receivedNowMs(): number {
  try {
    return Math.max(Date.now(), Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return Date.now();
  }
}

/**
 * The visits a label's purchase writes: those handed over, the last (booking) ended now, and `label_created`
 * begun now. Now is never before the booking began: a time-skipping test server's workflow clock runs ahead
 * of the wall clock, and a visit may not end before it starts. Without a visit in progress to end there is
 * nothing to write: the workflow, told no stage was written, writes it itself.
 */
function labelStage(stages: readonly StageRecord[], nowMs: number): { visits: StageRecord[]; enteredAt: string } | undefined {
  const booking = stages.at(-1);
  if (!booking || booking.endedAt !== undefined) return undefined;
  const enteredAt = new Date(Math.max(nowMs, Date.parse(booking.startedAt))).toISOString();
  const { orderId, shipmentId } = booking;
  return {
    visits: [
      ...stages.slice(0, -1),
      { ...booking, endedAt: enteredAt, outcome: 'ok' },
      { orderId, ...(shipmentId ? { shipmentId } : {}), stage: 'label_created', startedAt: enteredAt },
    ],
    enteredAt,
  };
}

/** What the carrier activities work with: the database, the carriers' APIs, and the carrier decision when this worker makes it. */
export interface CarrierActivityDeps {
  db: Db;
  carriers: CarrierRegistry;
  chooseQuote?: ChooseQuote;
}

/** The currency the order is kept in: quotes are compared, and label costs counted, in it. */
async function orderCurrencyOf(db: Db, shipmentId: string): Promise<string> {
  return (
    (await db.shipment.findUnique({ where: { id: shipmentId }, select: { order: { select: { currency: true } } } }))?.order.currency ??
    DEFAULT_CURRENCY
  );
}

async function activeCarriers({ db, carriers }: CarrierActivityDeps): Promise<CarrierInfo[]> {
  const rows = await db.carrier.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
  const selling = new Set(carriers.sellingCodes());
  return rows
    .filter((r) => selling.has(r.code))
    .map((r) => {
      const { pushesScans, pollStallFraction } = parcelTracking(carriers, r.code, r.supportsWebhooks);
      return {
        code: r.code,
        reliability: r.reliability,
        supportsWebhooks: pushesScans,
        ...(pollStallFraction === undefined ? {} : { pollStallFraction }),
      };
    });
}

/** One carrier's rates, asked up to QUOTE_ATTEMPTS times; a carrier that stays down or refuses is noted in `unanswered`. */
async function quoteOneCarrier(
  carriers: CarrierRegistry,
  carrierCode: string,
  request: RateRequest,
  unanswered: RateShop['unanswered'],
): Promise<RateQuote[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await carriers.get(carrierCode).quote(request);
    } catch (error) {
      heartbeat(`${carrierCode} attempt ${attempt}`);
      const retryable = !isCarrierError(error) || error.retryable;
      if (!retryable || attempt >= QUOTE_ATTEMPTS) {
        unanswered.push({ carrierCode, reason: error instanceof Error ? error.message : String(error) });
        return [];
      }
      await pause(QUOTE_BACKOFF_MS[attempt - 1] ?? 2000);
    }
  }
}

/**
 * The service to book, decided with the quotes in hand (v3: one activity instead of a rate shop and a
 * decision task of its own). A decision that fails leaves no choice: the workflow then asks
 * `chooseCarrierQuote` itself, rather than this activity asking every carrier again on its retry.
 */
async function chooseWithShop(
  chooseQuote: ChooseQuote | undefined,
  shipmentId: string,
  quotes: RateQuote[],
  list: CarrierInfo[],
  context: RateShopChoice,
): Promise<CarrierDecision | undefined> {
  if (!chooseQuote) return undefined;
  const reliability = Object.fromEntries(list.map((c) => [c.code, c.reliability]));
  try {
    return await chooseQuote({ shipmentId, quotes, reliability, ...context });
  } catch (error) {
    log.warn('carrier choice left to the workflow', { shipmentId, error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

/** Finding the carriers and their rates. */
function createRateShopActivities(deps: CarrierActivityDeps) {
  const { carriers } = deps;
  const rhythms = new ScanRhythms(deps.db);
  return {
    /** v1: the carriers to ask, with the reliability the choice breaks ties on (v2 gets them with the rates). */
    listCarriers(): Promise<CarrierInfo[]> {
      return activeCarriers(deps);
    },

    /**
     * Asks every active carrier for rates at once, in one activity: each carrier gets its own attempts
     * (a 503 or a timeout is retried, a refusal is not), and one that stays down is reported in
     * `unanswered` instead of failing the rate shop. Only losing the carrier list fails it (and is retried).
     */
    async quoteAllCarriers(input: { request: RateRequest; choose?: RateShopChoice }): Promise<RateShop> {
      const list = await Promise.all(
        (await activeCarriers(deps)).map(async (carrier) => {
          const rhythm = await rhythms.of(carrier.code);
          return rhythm ? { ...carrier, stallWindowHours: rhythm.windowHours } : carrier;
        }),
      );
      const unanswered: RateShop['unanswered'] = [];
      const answers = await Promise.all(list.map((carrier) => quoteOneCarrier(carriers, carrier.code, input.request, unanswered)));
      const currency = await orderCurrencyOf(deps.db, input.request.shipmentId);
      const compared = quotesIn(currency, answers.flat(), carriers.fxRates);
      for (const left of compared.leftOut) log.warn('quote left out of the rate shop', { shipmentId: input.request.shipmentId, ...left });
      const choice = input.choose
        ? await chooseWithShop(deps.chooseQuote, input.request.shipmentId, compared.quotes, list, input.choose)
        : undefined;
      return {
        carriers: list,
        quotes: compared.quotes,
        unanswered,
        ...(compared.leftOut.length > 0 ? { leftOut: compared.leftOut } : {}),
        ...(choice ? { choice } : {}),
      };
    },

    /** v1: one carrier's rates, retried by the workflow's activity options; remove with v1. */
    quoteRates(input: { carrierCode: string; request: RateRequest }): Promise<RateQuote[]> {
      return carrierCall(() => carriers.get(input.carrierCode).quote(input.request));
    },
  };
}

/** A retried purchase whose first attempt committed: the `label_created` visit it wrote, found again by its start. */
async function stageWrittenWith(db: Db, input: LabelPurchase): Promise<{ stageEnteredAt?: string }> {
  const booking = input.stage?.stages.at(-1);
  if (!booking) return {};
  const visit = await db.stageTiming.findFirst({
    where: { shipmentId: input.shipmentId, stage: 'label_created', startedAt: { gte: new Date(booking.startedAt) } },
    orderBy: { startedAt: 'asc' },
    select: { startedAt: true },
  });
  return visit ? { stageEnteredAt: visit.startedAt.toISOString() } : {};
}

/** The label this booking attempt bought already (a retry after the purchase committed), as the purchase answered it. */
async function labelBoughtBefore(db: Db, input: LabelPurchase): Promise<BookedLabel | undefined> {
  const existing = await db.label.findUnique({
    where: { shipmentId_attempt: { shipmentId: input.shipmentId, attempt: input.attempt } },
  });
  if (!existing) return undefined;
  const shipment = await db.shipment.findUniqueOrThrow({ where: { id: input.shipmentId } });
  return {
    attempt: existing.attempt,
    carrierCode: existing.carrierCode,
    serviceCode: existing.serviceCode,
    carrierLabelId: existing.carrierLabelId,
    trackingNumber: existing.trackingNumber,
    amountCents: existing.costCents ?? existing.amountCents,
    currency: existing.costCents === null ? existing.currency : await orderCurrencyOf(db, input.shipmentId),
    labelUrl: existing.labelUrl ?? '',
    estimatedDeliveryAt: (shipment.estimatedDeliveryAt ?? shipment.promisedBy).toISOString(),
    purchasedAt: existing.purchasedAt.toISOString(),
    ...(await stageWrittenWith(db, input)),
  };
}

/** The label's cost in the order's currency (`costCents`), and the cost the shipment counts: converted, or as charged without a rate. */
async function labelCost(deps: CarrierActivityDeps, shipmentId: string, label: PurchasedLabel) {
  // The shipment's cost is kept in the order's currency; a label charged in another is converted (the rate shop compared it so).
  const currency = await orderCurrencyOf(deps.db, shipmentId);
  const costCents = convertMinor(label.amountCents, label.currency, currency, deps.carriers.fxRates);
  if (costCents === undefined) {
    log.warn('label charged in a currency with no configured rate; its cost is counted as charged', {
      shipmentId,
      charged: label.currency,
      orderCurrency: currency,
    });
  }
  const cost =
    costCents === undefined ? { amountCents: label.amountCents, currency: label.currency } : { amountCents: costCents, currency };
  return { costCents, cost };
}

/** What a bought label writes, in one transaction: the stage visits, the label, its documents, and the shipment booked on it. */
interface LabelRecord {
  input: LabelPurchase;
  idempotencyKey: string;
  label: PurchasedLabel;
  documents: LabelDocument[];
  costCents: number | undefined;
  countedCents: number;
  stage: ReturnType<typeof labelStage>;
  v1Status: boolean;
}

async function recordLabel(db: Db, record: LabelRecord): Promise<void> {
  const { input, idempotencyKey, label, documents, costCents, stage } = record;
  const labelId = `${input.shipmentId}-LBL${input.attempt}`;
  await db.$transaction([
    ...(stage ? stage.visits.map((visit) => upsertStage(db, visit)) : []),
    db.label.upsert({
      where: { idempotencyKey },
      create: {
        id: labelId,
        shipmentId: input.shipmentId,
        attempt: input.attempt,
        carrierCode: label.carrierCode,
        serviceCode: label.serviceCode,
        carrierLabelId: label.carrierLabelId,
        trackingNumber: label.trackingNumber,
        idempotencyKey,
        amountCents: label.amountCents,
        currency: label.currency,
        ...(costCents === undefined ? {} : { costCents }),
        labelUrl: label.labelUrl,
        purchasedAt: new Date(label.purchasedAt),
      },
      update: {},
    }),
    db.labelDocument.createMany({
      data: documents.map((document) => ({ labelId, format: document.format, content: new Uint8Array(document.content) })),
      skipDuplicates: true,
    }),
    db.shipment.update({
      where: { id: input.shipmentId },
      data: {
        ...(record.v1Status || stage ? { status: 'label_created' as const } : {}),
        carrierCode: label.carrierCode,
        serviceCode: label.serviceCode,
        trackingNumber: label.trackingNumber,
        estimatedDeliveryAt: new Date(label.estimatedDeliveryAt),
        shippingCostCents: { increment: record.countedCents },
        promiseMiss: input.promiseMiss,
        ...(input.fastestCostCents !== undefined ? { fastestCostCents: input.fastestCostCents } : {}),
        ...(input.riskPremiumCents !== undefined ? { riskPremiumCents: { increment: input.riskPremiumCents } } : {}),
        ...(input.onTimeProbability !== undefined ? { bookedOnTimeProbability: input.onTimeProbability } : {}),
      },
    }),
  ]);
}

/**
 * Buys the label for one booking attempt. Two guards against a second label: our own row
 * (unique per shipment and attempt) and the carrier's idempotency key, which makes a retry
 * after a lost response return the label already bought instead of charging again.
 */
function purchase(deps: CarrierActivityDeps, input: LabelPurchase, v1Status: boolean): Promise<BookedLabel> {
  return carrierCall(async () => {
    const existing = await labelBoughtBefore(deps.db, input);
    if (existing) return existing;
    const idempotencyKey = `${input.shipmentId}:${input.attempt}`;
    const api = deps.carriers.get(input.carrierCode);
    const giveUpAfter = Context.current().info.attempt === 1 ? input.fallbackAfterRefusals : undefined;
    const label = await buyUnlessUnavailable(api, { ...input.request, idempotencyKey }, giveUpAfter);
    heartbeat('label bought');
    const documents = await fetchLabelDocuments(api, label.carrierLabelId);
    const { costCents, cost } = await labelCost(deps, input.shipmentId, label);
    const stage = input.stage ? labelStage(input.stage.stages, receivedNowMs()) : undefined;
    await recordLabel(deps.db, { input, idempotencyKey, label, documents, costCents, countedCents: cost.amountCents, stage, v1Status });
    return { ...label, ...cost, attempt: input.attempt, ...(stage ? { stageEnteredAt: stage.enteredAt } : {}) };
  });
}

/** Buying and voiding labels. */
function createLabelActivities(deps: CarrierActivityDeps) {
  const { db, carriers } = deps;
  return {
    purchaseLabel(input: LabelPurchase): Promise<BookedLabel> {
      return purchase(deps, input, false);
    },

    /** v1 (workflows/v1): the same purchase, and the shipment's status set to label_created; remove with v1. */
    buyLabel(input: LabelPurchase): Promise<BookedLabel> {
      return purchase(deps, input, true);
    },

    /** Voids a label that has not been used; voiding twice is harmless. The refund comes off the shipment's cost. */
    voidLabel(input: { shipmentId: string; attempt: number }): Promise<{ voided: boolean }> {
      return carrierCall(async () => {
        const label = await db.label.findUnique({
          where: { shipmentId_attempt: { shipmentId: input.shipmentId, attempt: input.attempt } },
        });
        if (!label) return { voided: false };
        if (label.status === 'voided') return { voided: true };
        await carriers.get(label.carrierCode).voidLabel(label.carrierLabelId);
        await db.$transaction([
          db.label.update({ where: { id: label.id }, data: { status: 'voided', voidedAt: new Date() } }),
          db.shipment.update({
            where: { id: input.shipmentId },
            data: { shippingCostCents: { decrement: label.costCents ?? label.amountCents } },
          }),
        ]);
        return { voided: true };
      });
    },
  };
}

/** Asking the carrier where a parcel is. */
function createPollingActivities({ db, carriers }: CarrierActivityDeps) {
  return {
    /** Polling, for carriers without webhooks and as the safety net when webhooks go missing. */
    pollTracking(input: { carrierCode: string; trackingNumber: string }): Promise<CarrierTrackingEvent[]> {
      return carrierCall(async () => {
        const polled = await carriers.get(input.carrierCode).track(input.trackingNumber);
        // The same screening as the webhook's: dated on receipt beyond the skew allowance, unmapped codes stored for ops.
        const { events, unmapped } = screenScans(polled, receivedNowMs());
        if (unmapped.length > 0) {
          // A shipment's parcel or a return parcel: the return workflow polls through this activity too.
          const owner = await parcelOfTrackingNumber(db, input.carrierCode, input.trackingNumber);
          if (owner) await storeUnmappedScans(db, { source: 'poll', events: unmapped, parcelOf: new Map([[input.trackingNumber, owner]]) });
        }
        // The workflow could not read them: stored here and listed for ops, as the webhook does.
        return events.filter((event) => !unmapped.includes(event));
      });
    },
  };
}

/**
 * Everything that talks to a carrier. These run on the `colis-carriers` task queue so a slow or
 * failing carrier API ties up carrier workers only.
 */
export function createCarrierActivities(deps: CarrierActivityDeps) {
  return {
    ...createRateShopActivities(deps),
    ...createLabelActivities(deps),
    ...createPollingActivities(deps),
  };
}
