import type { CarrierApi, CarrierCode } from '../../domain/carrier';
import type { FxRates } from '../../domain/money';

/**
 * The carriers this process talks to, and the webhook secret shared with each. Backend-neutral: it
 * holds whatever implements the carrier port (`CarrierApi`); which backend that is, and how it is
 * configured, is decided once in `carriers/wiring.ts`.
 */

/** Development's predictable webhook secret, so the simulator and the API agree without setup (config refuses it in production). */
export const devWebhookSecret = (carrierCode: CarrierCode) => `dev-webhook-secret-${carrierCode}`;

export interface CarrierRegistry {
  get(carrierCode: CarrierCode): CarrierApi;
  all(): CarrierApi[];
  codes(): CarrierCode[];
  /**
   * The codes whose carrier sells new labels (asked for rates). The others only serve the labels they
   * sold before (tracking, void, return labels): a simulated carrier beside real ones.
   */
  sellingCodes(): CarrierCode[];
  secretFor(carrierCode: CarrierCode): string;
  /** The exchange rates quotes in another currency than the order's are compared at (COLIS_FX_RATES); none by default. */
  readonly fxRates: FxRates;
  close(): void;
}

export function createCarrierRegistry(
  apis: readonly CarrierApi[],
  options: {
    secrets: ReadonlyMap<CarrierCode, string>;
    fxRates?: FxRates;
    /** Every carrier sells when not given. */
    selling?: ReadonlySet<CarrierCode>;
    close?: () => void;
  },
): CarrierRegistry {
  const byCode = new Map(apis.map((api) => [api.code, api]));
  const selling = options.selling;
  return {
    get(carrierCode) {
      const api = byCode.get(carrierCode);
      if (!api) throw new Error(`no carrier ${carrierCode} is configured`);
      return api;
    },
    all: () => [...byCode.values()],
    codes: () => [...byCode.keys()],
    sellingCodes: () => [...byCode.keys()].filter((code) => selling === undefined || selling.has(code)),
    secretFor(carrierCode) {
      const secret = options.secrets.get(carrierCode);
      if (secret === undefined) throw new Error(`no webhook secret for unknown carrier ${carrierCode}`);
      return secret;
    },
    fxRates: options.fxRates ?? {},
    close: () => options.close?.(),
  };
}
