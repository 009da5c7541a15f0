/**
 * Billable weight = max(actual weight incl. tare, dimensional weight). Dimensional weight is L×W×H in cm / 5000,
 * in kg; in this module's units that is L×W×H in mm / 5000 in grams, rounded up to the next whole gram
 * (the carriers then charge per started kg). Boxed packages are measured by the box's inner dimensions: the
 * catalogue does not record wall thickness.
 */

/** L×W×H mm / 5000 = grams (see the module comment), rounded up to the next gram. */
export function dimensionalWeightGrams(lengthMm: number, widthMm: number, heightMm: number): number {
  return Math.ceil((lengthMm * widthMm * heightMm) / 5000);
}

export function billableWeightGrams(weightGrams: number, lengthMm: number, widthMm: number, heightMm: number): number {
  return Math.max(weightGrams, dimensionalWeightGrams(lengthMm, widthMm, heightMm));
}

/**
 * A typical standard-service rate card, per package: a base price plus a price per started kilogram of billable
 * weight — the same shape and level as the simulated carriers' standard services, so plans made with the default
 * are priced the way the carriers will price them.
 */
export const DEFAULT_RATE_CARD = { baseCents: 790, perStartedKgCents: 120 } as const;

export function defaultRateForBillableGrams(billableGrams: number): number {
  return DEFAULT_RATE_CARD.baseCents + DEFAULT_RATE_CARD.perStartedKgCents * Math.ceil(billableGrams / 1000);
}
