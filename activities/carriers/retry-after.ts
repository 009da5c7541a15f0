/**
 * A carrier's `Retry-After` (RFC 9110 §10.2.3): how long it asks to be left alone after a 429 or a 503.
 * ShipEngine sends it on 429, in seconds ("Usage & Rate Limits"); the HTTP-date form is read as well, as
 * any HTTP recipient must. What cannot be read asks for nothing: Temporal's own backoff applies then.
 */

/**
 * The longest wait honoured: the carrier activities' maximum retry interval (CARRIER_COMMAND and RATE_SHOP
 * in workflows/activity-options.ts). A carrier asking for more is retried no later than Temporal's own backoff
 * would have retried it; a larger ask must not park a booking for hours on one header.
 */
export const RETRY_AFTER_CEILING_MS = 60_000;

/**
 * Up to this share of the wait is added at random before calling again. ShipEngine's limit counts every request
 * of the account, and it warns that callers all retrying at the moment it named are all limited again: the
 * activities refused together come back spread over a fifth of the wait, never sooner than asked.
 */
export const RETRY_AFTER_SPREAD = 0.2;

/** `waitMs` and a random part of RETRY_AFTER_SPREAD of it: when to call a carrier again that asked for `waitMs`. */
export function spreadWaitMs(waitMs: number, random: () => number = Math.random): number {
  return waitMs + Math.floor(random() * waitMs * RETRY_AFTER_SPREAD);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** IMF-fixdate, what senders must send, then the two obsolete forms recipients must still read (RFC 9110 §5.6.7). */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** The wait asked for, in ms, at most RETRY_AFTER_CEILING_MS; undefined for no header, garbage, or no wait at all. */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  // delta-seconds is 1*DIGIT: no sign, no fraction, no unit. A huge one is simply more than the ceiling.
  const waitMs = /^\d+$/.test(value) ? Number(value) * 1_000 : httpDateMs(value, nowMs) - nowMs;
  if (!Number.isFinite(waitMs) || waitMs <= 0) return undefined;
  return Math.min(waitMs, RETRY_AFTER_CEILING_MS);
}

/** The instant an HTTP-date names, or NaN. Date.parse is not used: it reads local times and free text alike. */
function httpDateMs(value: string, nowMs: number): number {
  const fixdate = IMF_FIXDATE.exec(value);
  if (fixdate) return utc(Number(fixdate[3]), fixdate[2], fixdate[1], fixdate.slice(4));
  const rfc850 = RFC_850.exec(value);
  if (rfc850) return utc(fullYear(Number(rfc850[3]), nowMs), rfc850[2], rfc850[1], rfc850.slice(4));
  const asctime = ASCTIME.exec(value);
  if (asctime) return utc(Number(asctime[6]), asctime[1], asctime[2], asctime.slice(3, 6));
  return Number.NaN;
}

/** A two-digit year more than 50 years ahead is in the past century (RFC 9110 §5.6.7). */
function fullYear(twoDigits: number, nowMs: number): number {
  const thisYear = new Date(nowMs).getUTCFullYear();
  const year = Math.floor(thisYear / 100) * 100 + twoDigits;
  return year > thisYear + 50 ? year - 100 : year;
}

function utc(year: number, month: string | undefined, day: string | undefined, time: (string | undefined)[]): number {
  const monthIndex = MONTHS.indexOf(month ?? '');
  const [hours, minutes, seconds] = time.map(Number);
  const dayOfMonth = Number(day);
  const ms = Date.UTC(year, monthIndex, dayOfMonth, hours ?? Number.NaN, minutes ?? Number.NaN, seconds ?? Number.NaN);
  // Date.UTC rolls 31 Feb over to March and 25:00 to the next day: such a date is garbage, not a later one.
  const back = new Date(ms);
  const exact =
    back.getUTCMonth() === monthIndex &&
    back.getUTCDate() === dayOfMonth &&
    back.getUTCHours() === hours &&
    back.getUTCMinutes() === minutes &&
    back.getUTCSeconds() === seconds;
  return exact ? ms : Number.NaN;
}
