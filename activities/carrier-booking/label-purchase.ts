import { Context, heartbeat, log } from '@temporalio/activity';
import type { BuyLabelRequest, CarrierApi, PurchasedLabel } from '../../domain/carrier';
import { convertMinor } from '../../domain/money';
import { CarrierApiError, CarrierUnavailable } from '../carriers/errors';
import { fetchLabelDocuments } from '../carriers/label-documents';
import type { Db } from '../db';
import type { StageRecord } from '../stage-timing';
import { carrierCall, pause, pauseBeforeAskingAgain, receivedNowMs } from './carrier-calls';
import type { CarrierActivityDeps } from './deps';
import { labelStage, recordLabel } from './label-record';
import { orderCurrencyOf } from './order-currency';

export interface BookedLabel extends PurchasedLabel {
  attempt: number;
  /** When the shipment entered `label_created`, as the purchase wrote it (`LabelPurchase.stage`); absent: not written. */
  stageEnteredAt?: string;
}

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
 * then CarrierUnavailable; between refusals, the longer of our backoff and the carrier's Retry-After, and
 * CarrierUnavailable at once when it asks for more than an attempt waits. Anything else — a timeout, a 500,
 * a refusal of the request itself — leaves at once for Temporal's retry with the same idempotency key.
 */
async function buyUnlessUnavailable(api: CarrierApi, request: BuyLabelRequest, giveUpAfter: number | undefined) {
  for (let refusals = 1; ; refusals++) {
    try {
      return await api.buyLabel(request);
    } catch (error) {
      // A 429 or 503 after the carrier sold the label (ShipEngine's tracking registration) is no refusal of the purchase.
      const unprocessed = error instanceof CarrierApiError && error.nothingBought;
      if (giveUpAfter === undefined || !unprocessed) throw error;
      // Asked for a longer wait than an attempt sits out, the carrier is unavailable now: nothing was bought.
      const pauseMs = pauseBeforeAskingAgain(error, REFUSAL_BACKOFF_MS[refusals - 1] ?? 2000);
      if (refusals >= giveUpAfter || pauseMs === undefined) throw new CarrierUnavailable(error.carrierCode, refusals, error);
      heartbeat(`${error.carrierCode} refusal ${refusals}`);
      await pause(pauseMs);
    }
  }
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
/**
 * Buys the label for one booking attempt. Two guards against a second label: our own row
 * (unique per shipment and attempt) and the carrier's idempotency key, which makes a retry
 * after a lost response return the label already bought instead of charging again.
 */
export function purchase(deps: CarrierActivityDeps, input: LabelPurchase, v1Status: boolean): Promise<BookedLabel> {
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
