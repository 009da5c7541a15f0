import { condition } from '@temporalio/workflow';
import type { RateQuote, RateRequest } from '../../domain/carrier';
import { chooseCarrierService } from '../../domain/carrier-choice';
import { initialTrackingState } from '../../domain/tracking';
import { bookkeeping, carrier, rateShop, summarised } from '../activity-options';
import type { BookedLabel, RateShop } from '../activity-types';
import { rootFailure } from '../shared/failures';
import { LATER_PATCHES, PATCHES, takesLater } from '../shared/generation';
import { type ShipmentJourney, StopShipment } from './shipment';

/**
 * Carrier booking: one rate shop across every carrier, the cheapest service that keeps the promise
 * (domain/carrier-choice.ts), exactly one label per attempt (the purchase carries an idempotency key).
 * No carrier at all: ops decide (wait and shop again, refund, cancel).
 */
export async function bookLabel(j: ShipmentJourney, why: string): Promise<void> {
  const { shipmentId } = j.input;
  const parcels = j.parcels;
  if (!parcels) throw new Error('booking before packing');
  for (;;) {
    j.stopIfCancelled();
    j.takePendingAddress();
    await j.answerAddress(true);
    await j.enterStage('rating', `Asking every carrier for rates (${why})`);
    const request: RateRequest = {
      shipmentId,
      from: parcels.origin,
      to: j.shipTo,
      parcels: parcels.parcels,
      shipAt: new Date().toISOString(),
    };
    let shop = await shopForRates(j, request, parcels.origin.countryCode, why);
    for (let asked = 0; await shopAgainForDownCarrier(j, shop, asked); asked++) {
      shop = await shopForRates(j, request, parcels.origin.countryCode, why);
    }
    const purchase = await buyFromBest(j, shop, request, parcels.origin.countryCode);
    if (purchase.kind === 'NoServiceAvailable') {
      const decision = await j.escalateAndWait(
        'no_carrier',
        purchase.refused.length > 0
          ? `every carrier quoted refused the label purchase: ${purchase.refused.join('; ')}`
          : `no carrier quoted ${parcels.parcels.length} parcel(s) to ${j.shipTo.city} (${shop.unanswered.length} of ${shop.carriers.length} failed)`,
      );
      if (decision === 'wait') continue;
      throw new StopShipment(decision === 'refund' ? 'refunded' : 'cancelled');
    }
    const { choice, booked, attempt } = purchase;
    j.saga.add({ step: 'void label', attempt });
    j.savingCents = choice.savingCents;
    const bookedCarrier = shop.carriers.find((c) => c.code === booked.carrierCode);
    j.label = {
      attempt,
      carrierCode: booked.carrierCode,
      trackingNumber: booked.trackingNumber,
      amountCents: booked.amountCents,
      supportsWebhooks: bookedCarrier?.supportsWebhooks ?? false,
      ...(bookedCarrier?.pollStallFraction === undefined ? {} : { pollStallFraction: bookedCarrier.pollStallFraction }),
      ...(bookedCarrier?.stallWindowHours === undefined ? {} : { stallWindowHours: bookedCarrier.stallWindowHours }),
      ...(bookedCarrier?.outForDeliveryByHours === undefined ? {} : { outForDeliveryByHours: bookedCarrier.outForDeliveryByHours }),
    };
    Object.assign(j.view, {
      labelAttempt: attempt,
      carrierCode: booked.carrierCode,
      serviceCode: booked.serviceCode,
      trackingNumber: booked.trackingNumber,
      estimatedDeliveryAt: booked.estimatedDeliveryAt,
      promiseMiss: choice.promiseMiss,
      trackingStatus: 'label_created',
    });
    j.view.shippingCostCents += booked.amountCents;
    j.tracking = initialTrackingState();
    const labelled = `Label ${booked.trackingNumber} bought; waiting for the carrier to collect`;
    // The purchase wrote the status and the visits with the label (v3); a worker of the release before did not.
    if (booked.stageEnteredAt !== undefined && j.unrecordedScans.length === 0)
      j.enterWrittenStage('label_created', labelled, booked.stageEnteredAt);
    else await j.enterStage('label_created', labelled);
    await j.onMilestone({
      kind: 'booked',
      shipmentId,
      carrierCode: booked.carrierCode,
      trackingNumber: booked.trackingNumber,
      estimatedDeliveryAt: booked.estimatedDeliveryAt,
      promiseMiss: choice.promiseMiss,
    });
    return;
  }
}

/**
 * The rate shop. A v3 shipment has it choose the service too (the late-risk decision, with the quotes in
 * hand: one activity where there were an activity and a decision task); v2 shipments ask as they recorded.
 */
function shopForRates(j: ShipmentJourney, request: RateRequest, originCountryCode: string, why: string): Promise<RateShop> {
  if (j.generation !== 'v3') return summarised(rateShop.quoteAllCarriers, `Rates from every carrier (${why})`, { request });
  return summarised(rateShop.quoteAllCarriers, `Rates from every carrier, and the service to book (${why})`, {
    request,
    choose: {
      promisedBy: j.view.promisedBy,
      originCountryCode,
      destinationCountryCode: j.shipTo.countryCode,
      nowMs: Date.now(),
    },
  });
}

/**
 * Business time a booking waits before asking a carrier again — one that turned its purchase away, or was down for the
 * whole rate shop — when no other carrier keeps the promise: one entry per ask, so a parcel waits at the dock at most
 * their sum (1 h 45 min), never the tens of hours a carrier retried until it sells could hold it.
 */
const ASK_AGAIN_AFTER_MS = [15, 30, 60].map((minutes) => minutes * 60_000);

/** The wait before asking again, in business time; a cancel ends it (and the booking). */
async function waitToAskAgain(j: ShipmentJourney, waitMs: number, summary: string): Promise<void> {
  await condition(() => j.cancelReason !== undefined, Math.max(1, Math.round(waitMs / j.input.timeScale)), { summary });
  j.stopIfCancelled();
}

/**
 * A carrier down for the whole rate shop (every attempt a 503 or a timeout, not a refusal) may be the one that keeps
 * the promise: when no quoted service does, the shop runs again after a short wait in business time, a few times,
 * before a service that cannot keep it is booked. Before (and in histories recorded before, patch
 * `shop-again-for-down-carrier`) the booking took the best of the quotes at once: in the peak week two express
 * parcels of Thursday went on a two-day service, SwiftPost's quotes having failed their four attempts.
 */
async function shopAgainForDownCarrier(j: ShipmentJourney, shop: RateShop, asked: number): Promise<boolean> {
  const waitMs = ASK_AGAIN_AFTER_MS[asked];
  const down = shop.unanswered.filter((u) => u.down).map((u) => u.carrierCode);
  if (waitMs === undefined || down.length === 0 || shop.choice?.kind !== 'Chosen' || !shop.choice.promiseMiss) return false;
  if (!takesLater(LATER_PATCHES.shopAgainForDownCarrier)) return false;
  const carriers = down.join(', ');
  j.timeline.note(
    'note',
    `${carriers} down and no quoted service keeps the promise: shopping again in ${waitMs / 60_000} min`,
    `shop ${asked + 2} of ${ASK_AGAIN_AFTER_MS.length + 1}`,
  );
  await waitToAskAgain(j, waitMs, `Shop again (${carriers} down)`);
  return true;
}

/** Unprocessed refusals in a row (503, 429) before a booking takes its next-best carrier instead. */
const REFUSALS_BEFORE_FALLBACK = 3;

type Purchase =
  /** `refused`: the carriers that refused the purchase itself (a business no), and why. */
  | { kind: 'NoServiceAvailable'; refused: string[] }
  | { kind: 'Bought'; choice: Extract<ServiceChoice, { kind: 'Chosen' }>; booked: BookedLabel; attempt: number };

/**
 * Buys the label of the best service in the rate shop. A carrier that turns the purchase away unprocessed
 * again and again (its API overloaded: nothing sold, activities/carrier-booking/label-purchase.ts) loses this booking to
 * the cheapest service of another carrier that keeps the promise, rather than holding the parcel at the dock
 * while it recovers. When no other carrier keeps the promise and the refused one did, the refused carrier is
 * asked again after a short wait in business time (a few times), before a service that cannot keep it is
 * booked; the last carrier left is retried until it sells.
 */
async function buyFromBest(j: ShipmentJourney, shop: RateShop, request: RateRequest, originCountryCode: string): Promise<Purchase> {
  const { shipmentId } = j.input;
  const turnedAway = new Set<string>();
  /** Turned-away carriers whose service kept the promise: the ones worth asking again. */
  const keptThePromise = new Set<string>();
  let asksAgain = 0;
  const refused: string[] = [];
  for (let firstChoice = true; ; firstChoice = false) {
    const open = shop.quotes.filter((q) => !turnedAway.has(q.carrierCode));
    // The rate shop's own choice holds for the quotes it saw; once a carrier turned the purchase away, or when it
    // could not decide (a worker of the release before, a decision that failed), the choice is asked for here.
    const choice = firstChoice && shop.choice ? shop.choice : await chooseService(j, open, originCountryCode, reliabilityOf(shop.carriers));
    if (choice.kind === 'NoServiceAvailable') return { kind: 'NoServiceAvailable', refused };
    if (choice.promiseMiss && (await askRefusedAgain(j, keptThePromise, asksAgain))) {
      asksAgain += 1;
      for (const code of keptThePromise) turnedAway.delete(code);
      keptThePromise.clear();
      continue;
    }
    j.stopIfCancelled();
    const { quote } = choice;
    const attempt = j.view.labelAttempt + 1;
    await j.enterStage(
      'booking',
      `Booking ${quote.carrierCode} ${quote.serviceCode} at ${(quote.amountCents / 100).toFixed(2)} ${quote.currency}` +
        (choice.promiseMiss ? ' (no service meets the promise: fastest taken)' : ''),
    );
    const otherCarrier = open.some((q) => q.carrierCode !== quote.carrierCode);
    // v2 shipments booked before a turned-away purchase could go to another carrier replay as they ran.
    const fallback = otherCarrier && j.takes(PATCHES.carrierFallback);
    try {
      const booked = await summarised(carrier.purchaseLabel, `Buy ${quote.carrierCode} ${quote.serviceCode} label #${attempt}`, {
        shipmentId,
        attempt,
        carrierCode: quote.carrierCode,
        request: { ...request, serviceCode: quote.serviceCode },
        fastestCostCents: choice.fastestAmountCents,
        promiseMiss: choice.promiseMiss,
        ...(choice.riskPremiumCents !== undefined ? { riskPremiumCents: choice.riskPremiumCents } : {}),
        ...(choice.onTimeProbability !== undefined ? { onTimeProbability: choice.onTimeProbability } : {}),
        ...(fallback ? { fallbackAfterRefusals: REFUSALS_BEFORE_FALLBACK } : {}),
        ...(j.generation === 'v3' ? { stage: { stages: j.stages.peek() } } : {}),
      });
      return { kind: 'Bought', choice, booked, attempt };
    } catch (error) {
      if (refusedPurchase(j, error, quote.carrierCode, attempt, refused)) {
        turnedAway.add(quote.carrierCode);
        continue;
      }
      if (!fallback || rootFailure(error)?.type !== 'CarrierUnavailable') throw error;
      turnedAway.add(quote.carrierCode);
      if (!choice.promiseMiss) keptThePromise.add(quote.carrierCode);
      j.timeline.note('note', `${quote.carrierCode} unavailable: booking elsewhere`, rootFailure(error)?.message ?? '');
    }
  }
}

/**
 * A carrier that refused the purchase itself (CarrierRejected: the request, the service or the label it sold was
 * no use, nothing left bought) is no use asked again: the booking goes to the next-best carrier, and with none left
 * to ops (`no_carrier`, saying why). The next purchase takes a fresh attempt, so a fresh idempotency key. Before
 * (and in histories recorded before, patch `refused-purchase-books-elsewhere`) the refusal failed the shipment, and
 * its order with it, with the goods packed at the dock.
 */
function refusedPurchase(j: ShipmentJourney, error: unknown, carrierCode: string, attempt: number, refused: string[]): boolean {
  const failure = rootFailure(error);
  if (failure?.type !== 'CarrierRejected' || !takesLater(LATER_PATCHES.refusedPurchaseBooksElsewhere)) return false;
  const why = failure.message.slice(0, 300);
  refused.push(`${carrierCode}: ${why}`);
  j.view.labelAttempt = attempt;
  j.timeline.note('note', `${carrierCode} refused the label purchase: booking elsewhere`, why);
  return true;
}

/**
 * No carrier still open keeps the promise, and a carrier that turned the purchase away did: waits in business
 * time (a cancel ends the wait) and says whether to ask it again. Shipments recorded before this change
 * (patch `ask-refused-carrier-again`) booked the best of the others at once, and replay so.
 */
async function askRefusedAgain(j: ShipmentJourney, keptThePromise: ReadonlySet<string>, asked: number): Promise<boolean> {
  const waitMs = ASK_AGAIN_AFTER_MS[asked];
  if (keptThePromise.size === 0 || waitMs === undefined) return false;
  if (!takesLater(LATER_PATCHES.askRefusedCarrierAgain)) return false;
  const carriers = [...keptThePromise].join(', ');
  j.timeline.note(
    'note',
    `no other carrier keeps the promise: asking ${carriers} again in ${waitMs / 60_000} min`,
    `ask ${asked + 1} of ${ASK_AGAIN_AFTER_MS.length}`,
  );
  await waitToAskAgain(j, waitMs, `Ask ${carriers} again`);
  return true;
}

/**
 * Which quote to book. Since the late-risk change, an activity decides on what the workers learned from
 * delivered parcels (activities/carrier-decision.ts: the cheapest service likely enough to arrive by the
 * promise in force, or the carrier's own estimate under the baseline rules) and says what it paid for risk.
 */
type ServiceChoice =
  | { kind: 'NoServiceAvailable' }
  | {
      kind: 'Chosen';
      quote: RateQuote;
      promiseMiss: boolean;
      fastestAmountCents: number;
      savingCents: number;
      riskPremiumCents?: number;
      onTimeProbability?: number;
    };

async function chooseService(
  j: ShipmentJourney,
  quotes: RateQuote[],
  originCountryCode: string,
  reliability: Record<string, number>,
): Promise<ServiceChoice> {
  // v2 shipments that booked on the carriers' own estimates replay so (README, "Upgrading").
  if (!j.takes(PATCHES.lateRiskCarrierChoice)) return chooseCarrierService(quotes, j.input.promisedBy, reliability);
  return summarised(bookkeeping.chooseCarrierQuote, 'Choose the service by late risk', {
    shipmentId: j.input.shipmentId,
    quotes,
    promisedBy: j.view.promisedBy,
    originCountryCode,
    destinationCountryCode: j.shipTo.countryCode,
    reliability,
    nowMs: Date.now(),
  });
}

const reliabilityOf = (carriers: readonly { code: string; reliability: number }[]) =>
  Object.fromEntries(carriers.map((c) => [c.code, c.reliability]));
