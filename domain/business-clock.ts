/**
 * Business time: the calendar the decisions reason in (cut-offs, pick days, carriers' delivery days,
 * holidays), versus the real instants timers fire at.
 *
 * In production the two are the same. A demo or a simulation runs business time `scale` times faster
 * than real time from an origin: business = businessOrigin + (real − realOrigin) × scale. The promise
 * engine works wholly in business time and converts its answer to real instants once, so a promise of
 * "Thursday 23:59 in Lyon" under a 1440× clock is an instant a few minutes away that the journey's
 * timers (real time) agree with. The mapping travels with each order, so one order never sees two.
 */

export interface BusinessClock {
  /** Business seconds per real second (1 in production). */
  scale: number;
  /** The real instant at which business time was `businessOriginMs`. */
  realOriginMs: number;
  businessOriginMs: number;
}

/** Business time is real time. */
export const REAL_TIME: BusinessClock = { scale: 1, realOriginMs: 0, businessOriginMs: 0 };

export function businessClock(scale: number, originMs: number): BusinessClock {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`the time scale must be a positive number, got ${scale}`);
  return scale === 1 ? REAL_TIME : { scale, realOriginMs: originMs, businessOriginMs: originMs };
}

export function toBusinessMs(clock: BusinessClock, realMs: number): number {
  return clock.businessOriginMs + (realMs - clock.realOriginMs) * clock.scale;
}

/**
 * The business instant a real deadline stands for. A promise made in business time ("Thursday, 18:00") is stored as a
 * real instant rounded to the millisecond, and one real millisecond is `scale` business ones: read back, it can fall up
 * to half of them short of the business instant it was set to, "Thursday 17:59:59.6" under the 1440× demo clock, a
 * deadline whose day ends before the delivery window does, so the booking aimed at Wednesday and bought express for a
 * standard parcel. Read as the end of its millisecond it reaches the instant it was set to (never a whole day more),
 * and in real time (scale 1) it is the instant itself.
 */
export function deadlineToBusinessMs(clock: BusinessClock, realDeadlineMs: number): number {
  return toBusinessMs(clock, realDeadlineMs) + (clock.scale === 1 ? 0 : clock.scale / 2);
}

export function toRealMs(clock: BusinessClock, businessMs: number): number {
  return Math.round(clock.realOriginMs + (businessMs - clock.businessOriginMs) / clock.scale);
}

/**
 * The same business calendar at another speed: business time carries on from `atRealMs` without a jump,
 * so days already booked (warehouse capacity per business day) keep their meaning across a scale change.
 */
export function rescaled(clock: BusinessClock, scale: number, atRealMs: number): BusinessClock {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`the time scale must be a positive number, got ${scale}`);
  return { scale, realOriginMs: atRealMs, businessOriginMs: Math.round(toBusinessMs(clock, atRealMs)) };
}
