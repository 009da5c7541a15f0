import { deadlineToBusinessMs, toBusinessMs } from '../domain/business-clock';
import { timeZoneOf, workingDaysBetween } from '../domain/calendar';
import type { RateQuote } from '../domain/carrier';
import { chooseByLateRisk, chooseCarrierService } from '../domain/carrier-choice';
import { DEFAULT_DECISION_SETTINGS, type DecisionRules, type DecisionSettings } from '../domain/decision-rules';
import { lastDeliveryDayBy } from '../domain/fulfilment-plan';
import { localDay } from '../domain/local-time';
import { MAX_DELAY_DAYS, probabilityWithin } from '../domain/transit';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';
import { asActivity } from './failures';
import type { PlanningFacts } from './planning-facts';

/**
 * Which quote to book, decided on the `colis-orders` queue because it reads what the workers learned:
 * under the promise rules the cheapest service whose learned probability of delivering by the promise
 * reaches the on-time target (domain/carrier-choice.ts `chooseByLateRisk`), the carriers' own estimates
 * ignored — so a carrier that quotes faster than it delivers loses the bookings that need the date. Under
 * the baseline rules, the carrier's own estimate, as before. The answer says what the choice paid over what
 * trusting the carriers' estimates would have booked (the premium for risk), which the label purchase records.
 */

export interface CarrierDecisionRequest {
  shipmentId: string;
  quotes: RateQuote[];
  /** The order's current promise (real instant). */
  promisedBy: string;
  originCountryCode: string;
  destinationCountryCode: string;
  /** Reliability per carrier: the baseline's tie-breaker. */
  reliability: Record<string, number>;
  /** Workflow time: the hand-over day is counted on the orchestrator's clock, like the pick slot (absent: now). */
  nowMs?: number;
}

export type CarrierDecision =
  | {
      kind: 'Chosen';
      rules: DecisionRules;
      quote: RateQuote;
      /** No service reaches the target (baseline: none is estimated by the promise): the best was taken, the miss recorded. */
      promiseMiss: boolean;
      /** Learned P(delivered by the promise) of the chosen service; absent under the baseline rules. */
      onTimeProbability?: number;
      /** Chosen − what the carriers' own estimates would have booked, ≥ 0: what was paid for the learned late risk. */
      riskPremiumCents: number;
      /** What booking the fastest estimate would have cost (the process chart's saving). */
      fastestAmountCents: number;
      savingCents: number;
    }
  | { kind: 'NoServiceAvailable' };

export function createCarrierDecisionActivities(deps: { db: Db; facts: PlanningFacts; settings?: DecisionSettings }) {
  const settings = deps.settings ?? DEFAULT_DECISION_SETTINGS;
  return {
    chooseCarrierQuote(input: CarrierDecisionRequest): Promise<CarrierDecision> {
      return asActivity(async () => {
        const baseline = chooseCarrierService(input.quotes, input.promisedBy, input.reliability);
        if (baseline.kind === 'NoServiceAvailable') return baseline;
        const fastest = { fastestAmountCents: baseline.fastestAmountCents };
        if (settings.rules === 'baseline') {
          return {
            kind: 'Chosen',
            rules: 'baseline',
            quote: baseline.quote,
            promiseMiss: baseline.promiseMiss,
            riskPremiumCents: 0,
            ...fastest,
            savingCents: baseline.savingCents,
          };
        }
        const realNowMs = Date.now();
        const nowMs = input.nowMs ?? realNowMs;
        const [network, clock, shipment] = await Promise.all([
          deps.facts.networkFacts(realNowMs),
          currentBusinessClock(deps.db, realNowMs),
          shipmentOf(deps.db, input.shipmentId),
        ]);
        // The region, else the postal code, sets the destination's day and holidays where they differ inside the
        // country (a state of the US, Réunion): the promised day read on Paris's clock was the day before in Réunion.
        const destination = {
          countryCode: input.destinationCountryCode,
          region: shipment?.order.shippingAddress.region,
          postalCode: shipment?.order.shippingAddress.postalCode ?? '',
        };
        // The carrier takes the parcel the day its label is bought (the label follows packing).
        const handoverDay = localDay(toBusinessMs(clock, nowMs), timeZoneOf({ countryCode: input.originCountryCode }));
        const probability = (quote: RateQuote, workingDays: number) =>
          probabilityWithin(
            network.transit.distribution(
              quote.carrierCode,
              quote.serviceCode,
              input.originCountryCode,
              input.destinationCountryCode,
              quote.deliveryDays,
            ),
            workingDays,
          );
        const longestTransitDays = Math.max(1, ...input.quotes.map((quote) => quote.deliveryDays + MAX_DELAY_DAYS));
        const choice = aimAtIntakePromise(shipment, input, (promisedBy) => {
          const promisedDay = lastDeliveryDayBy(destination, deadlineToBusinessMs(clock, Date.parse(promisedBy)));
          // Days past the longest transit any quote's distribution tells apart add nothing: the count stops there
          // (a date a year out under the 1440× demo clock is a thousand business years of days to walk).
          const workingDays = workingDaysBetween(destination, handoverDay, promisedDay, longestTransitDays);
          return chooseByLateRisk(input.quotes, (quote) => probability(quote, workingDays), settings.onTimeTarget);
        });
        if (choice.kind === 'NoServiceAvailable') return choice;
        return {
          kind: 'Chosen',
          rules: 'promise',
          quote: choice.quote,
          promiseMiss: choice.promiseMiss,
          onTimeProbability: choice.onTimeProbability,
          // Paid for risk: over what trusting the carriers' own estimates would have booked.
          riskPremiumCents: Math.max(0, choice.quote.amountCents - baseline.quote.amountCents),
          ...fastest,
          savingCents: Math.max(0, baseline.fastestAmountCents - choice.quote.amountCents),
        };
      });
    },
  };
}

export type CarrierDecisionActivities = ReturnType<typeof createCarrierDecisionActivities>;

/**
 * A lost parcel's replacement aims at the date the customer was first given while a service can still keep it
 * (its allocation already does: activities/reships.ts), not at the promise its stall or loss moved: the
 * replacement is what can still make the order on time. Any other shipment, or a replacement no service can
 * bring by then, is decided against the promise in force.
 */
function aimAtIntakePromise(
  shipment: ShipmentFacts | null,
  input: CarrierDecisionRequest,
  decideBy: (promisedBy: string) => ReturnType<typeof chooseByLateRisk>,
): ReturnType<typeof chooseByLateRisk> {
  const intake = shipment?.replacesShipmentId ? shipment.order.originalPromisedBy : null;
  if (intake && intake.getTime() < Date.parse(input.promisedBy)) {
    const keepsIntake = decideBy(intake.toISOString());
    if (keepsIntake.kind === 'Chosen' && !keepsIntake.promiseMiss) return keepsIntake;
  }
  return decideBy(input.promisedBy);
}

function shipmentOf(db: Db, shipmentId: string) {
  return db.shipment.findUnique({
    where: { id: shipmentId },
    select: {
      replacesShipmentId: true,
      order: { select: { originalPromisedBy: true, shippingAddress: { select: { region: true, postalCode: true } } } },
    },
  });
}

type ShipmentFacts = NonNullable<Awaited<ReturnType<typeof shipmentOf>>>;
