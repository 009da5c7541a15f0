/**
 * `Retry-After` (RFC 9110 §10.2.3): how long a server that answered 429 or 503 asks to be left alone, as
 * delta-seconds or an HTTP-date. Read once here for every caller that honours it — the carrier adapter and the shop
 * webhook relay — each capping the wait by its own policy. What cannot be read asks for nothing.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** IMF-fixdate, what senders must send, then the two obsolete forms recipients must still read (RFC 9110 §5.6.7). */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * The wait asked for, in ms from `nowMs` (when the answer came); undefined for no header, garbage (a sign, a fraction,
 * a local time, an impossible date) or no wait at all (0, a date already past). Not capped: a huge delta-seconds is a
 * huge wait, which the caller's own ceiling cuts.
 */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  // delta-seconds is 1*DIGIT: no sign, no fraction, no unit.
  const waitMs = /^\d+$/.test(value) ? Math.min(Number(value) * 1_000, Number.MAX_SAFE_INTEGER) : httpDateMs(value, nowMs) - nowMs;
  return Number.isFinite(waitMs) && waitMs > 0 ? waitMs : undefined;
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
