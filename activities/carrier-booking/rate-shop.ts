import { heartbeat, log } from '@temporalio/activity';
import type { RateQuote, RateRequest } from '../../domain/carrier';
import { type QuoteLeftOut, quotesIn } from '../../domain/money';
import type { CarrierDecision, CarrierDecisionRequest } from '../carrier-decision';
import { isCarrierError } from '../carriers/errors';
import type { CarrierRegistry } from '../carriers/registry';
import { parcelTracking, parcelTrackingOf } from '../carriers/tracking-mode';
import { DeliveryRounds } from '../delivery-rounds';
import { ScanRhythms } from '../scan-rhythm';
import { carrierCall, pause, pauseBeforeAskingAgain } from './carrier-calls';
import type { CarrierActivityDeps, ChooseQuote } from './deps';
import { orderCurrencyOf } from './order-currency';

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
  /**
   * The carrier's learned delivery round (domain/delivery-round.ts): business hours before the delivery window closes
   * by which a parcel it delivers that day is out for delivery. Absent until it has delivered enough parcels so.
   */
  outForDeliveryByHours?: number;
}

export interface RateShop {
  carriers: CarrierInfo[];
  quotes: RateQuote[];
  /**
   * Carriers that did not answer (after their attempts) or refused the request, and why. `down`: its attempts failed
   * with errors worth retrying (503, timeout), so another shop a little later may find it up; absent for a refusal.
   */
  unanswered: { carrierCode: string; reason: string; down?: true }[];
  /** Quotes in another currency than the order's with no configured rate (COLIS_FX_RATES): not compared, and why. */
  leftOut?: QuoteLeftOut[];
  /** The service to book among `quotes`, when the workflow asked for it (`choose`) and this worker could decide. */
  choice?: CarrierDecision;
}

/** Each carrier gets a few quick attempts in one rate shop, no sooner than it asks (Retry-After); one that stays down is left out of it. */
const QUOTE_ATTEMPTS = 4;
const QUOTE_BACKOFF_MS = [500, 1000, 2000];

/** What the rate shop needs to choose the service as well: the decision's request without what the shop itself finds. */
export type RateShopChoice = Omit<CarrierDecisionRequest, 'shipmentId' | 'quotes' | 'reliability'>;

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
      // A carrier asking for a longer wait than the shop's quick attempts (Retry-After) is left out of this shop now.
      const pauseMs = pauseBeforeAskingAgain(error, QUOTE_BACKOFF_MS[attempt - 1] ?? 2000);
      if (!retryable || attempt >= QUOTE_ATTEMPTS || pauseMs === undefined) {
        unanswered.push({
          carrierCode,
          reason: error instanceof Error ? error.message : String(error),
          ...(retryable ? { down: true as const } : {}),
        });
        return [];
      }
      await pause(pauseMs);
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
export function createRateShopActivities(deps: CarrierActivityDeps) {
  const { carriers } = deps;
  const rhythms = new ScanRhythms(deps.db);
  const rounds = new DeliveryRounds(deps.db);
  /** What the carrier's parcels taught so far: its scan rhythm and its delivery round. */
  const learnedHabits = async (carrierCode: string): Promise<Pick<CarrierInfo, 'stallWindowHours' | 'outForDeliveryByHours'>> => {
    const [rhythm, round] = await Promise.all([rhythms.of(carrierCode), rounds.of(carrierCode)]);
    return {
      ...(rhythm ? { stallWindowHours: rhythm.windowHours } : {}),
      ...(round ? { outForDeliveryByHours: round.outByHoursBeforeClose } : {}),
    };
  };
  return {
    /**
     * How a label of `carrierCode` is tracked, as the rate shop tells the booking (`CarrierInfo` less the reliability): for
     * a journey that resumes at a label bought before its run (workflows/shipment/resume.ts). The learned stall windows
     * and round are the carrier's habits now; the label's run read them at its rate shop, which no row keeps.
     */
    async labelTracking(input: { carrierCode: string }): Promise<Omit<CarrierInfo, 'code' | 'reliability'>> {
      const { pushesScans, pollStallFraction } = await parcelTrackingOf(deps.db, carriers, input.carrierCode);
      return {
        supportsWebhooks: pushesScans,
        ...(pollStallFraction === undefined ? {} : { pollStallFraction }),
        ...(await learnedHabits(input.carrierCode)),
      };
    },

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
        (await activeCarriers(deps)).map(async (carrier) => ({ ...carrier, ...(await learnedHabits(carrier.code)) })),
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
