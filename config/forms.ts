import { isIP } from 'node:net';
import { z } from 'zod';
import { undeliverableWebhookUrl } from '../activities/notifications/webhook-url';

/** The entries of a comma-separated value, each trimmed; blank ones (`a,,b`, a trailing comma) are no entries. */
export function listEntries(raw: string): string[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * The forms an environment variable's value may take, each a zod schema from the raw string (or
 * undefined when unset) to a typed value. A blank value counts as unset: `FOO= npm start` is the
 * shell's way of clearing a variable, not a value to reject.
 */

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** Unset (or blank) takes `fallback`; otherwise `schema` parses the trimmed string. */
export function withDefault<S extends z.ZodType<unknown, string>>(schema: S, fallback: z.output<S>) {
  return z.preprocess(blankToUndefined, z.string().trim().pipe(schema).optional()).transform((value) => value ?? fallback);
}

/** Unset (or blank) is undefined; otherwise `schema` parses the trimmed string. */
export function optional<S extends z.ZodType<unknown, string>>(schema: S) {
  return z.preprocess(blankToUndefined, z.string().trim().pipe(schema).optional());
}

/**
 * Plain decimal notation only: "1e3", "0x10" or "Infinity" are typos more often than intent. A minus sign passes
 * the form, so that "-5" is refused for its sign ("must be greater than 0"), not called "not a number".
 */
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const WHOLE = /^-?[0-9]+$/;

export const positiveNumber = z
  .string()
  .regex(DECIMAL, 'not a number')
  .transform(Number)
  .pipe(z.number().positive('must be greater than 0').max(Number.MAX_SAFE_INTEGER));

/** A probability strictly between 0 and 1, e.g. a confidence target. */
export const probability = z
  .string()
  .regex(DECIMAL, 'not a number')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1'));

export const positiveInteger = z
  .string()
  .regex(WHOLE, 'not a whole number')
  .transform(Number)
  .pipe(z.number().int().positive('must be greater than 0').max(Number.MAX_SAFE_INTEGER));

/** A positive whole number with a ceiling, `why` saying what a larger value would break (the refusal quotes it). */
export const positiveIntegerAtMost = (max: number, why: string) =>
  positiveInteger.pipe(z.number().max(max, `must be at most ${max}: ${why}`));

/** Node fires a timer longer than 2^31-1 ms after 1 ms: a longer timeout would time every call out at once. */
const MAX_TIMER_MS = 2_147_483_647;
const timerMax = z.number().max(MAX_TIMER_MS, `must be at most ${MAX_TIMER_MS} ms (about 24 days)`);

/** A timeout or wait in whole milliseconds that a Node timer keeps. */
export const timeoutMs = positiveInteger.pipe(timerMax);

/** A wait in milliseconds, fractions allowed, that a Node timer keeps. */
export const waitMs = positiveNumber.pipe(timerMax);

/**
 * Business seconds per real second: 1 is real time, a demo runs 1440 (a day a minute), the drills and benchmarks
 * 1000000 (instant: a business day in 86 ms). Below 1 a business wait outgrows the timers Temporal takes; far above
 * instant, the business calendar leaves the years PostgreSQL stores within hours of running (at 1000000 it takes
 * about 80 days).
 */
export const timeScale = positiveNumber.pipe(
  z
    .number()
    .min(1, 'must be at least 1 (real time)')
    .max(1_000_000, 'must be at most 1000000 (instant: a business day in 86 ms, as the drills run)'),
);

/** 0 or more, where 0 means "off". */
export const wholeNumber = z
  .string()
  .regex(WHOLE, 'not a whole number')
  .transform(Number)
  .pipe(z.number().int().min(0, 'must be 0 or more').max(Number.MAX_SAFE_INTEGER));

/** 0 asks the OS for a free port. */
export const portOrZero = z
  .string()
  .regex(/^[0-9]+$/, 'not a port number')
  .transform(Number)
  .pipe(z.number().int().min(0).max(65_535, 'ports end at 65535'));

export const port = portOrZero.pipe(z.number().min(1, 'port 0 is not allowed here'));

export const boolean = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const httpUrl = z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).transform((value) => value.replace(/\/+$/, ''));

/** COLIS_SHOP_WEBHOOK_URL: an http(s) URL a webhook can be delivered to, held to what a subscription's URL is held to. */
export const shopWebhookUrl = httpUrl.superRefine((value, ctx) => {
  const why = undeliverableWebhookUrl(new URL(value));
  if (why) ctx.addIssue({ code: 'custom', message: `the URL ${why}`, input: value });
});

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * An http(s) URL that Colis joins paths to (`${COLIS_PUBLIC_URL}/track/…`, `${COLIS_TEMPORAL_UI_URL}/namespaces/…`): a query
 * or a fragment would swallow every path joined after it, and a user or password would be copied into every link (the
 * public URL goes into customer mails).
 */
export const baseUrl = z
  .url({ protocol: /^https?$/, error: 'not an http(s) URL' })
  .refine((value) => !/[?#]/.test(value), 'a base URL has no query (?) or fragment (#): paths are joined after it')
  // Zod runs this check after a failed URL check too: a value `new URL` cannot read (no scheme, port 99999) must not throw
  // here, or it escapes as a bare "TypeError: Invalid URL" naming no variable; the URL check has named it already.
  .refine((value) => {
    const url = parsedUrl(value);
    return url === undefined || (url.username === '' && url.password === '');
  }, 'a base URL has no user or password')
  .transform((value) => value.replace(/\/+$/, ''));

/** Browser origins (scheme, host, port), from URLs separated by commas. */
export const originsForm = z
  .string()
  .transform(listEntries)
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'not an http(s) URL' })).min(1, 'no origin'))
  .transform((urls) => urls.map((url) => new URL(url).origin));

/** An IP address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrRange(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** IP addresses or CIDR ranges, comma-separated. */
export const addressesForm = z
  .string()
  .transform(listEntries)
  .pipe(z.array(z.string().refine(isAddressOrRange, 'not an IP address or CIDR range')).min(1, 'no address'));

export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'not a postgresql:// URL' });

/** host:port, with an IPv6 host in brackets. */
export const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, 'not host:port')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65_535, 'ports end at 65535');

/**
 * An IP address and port to listen on (`127.0.0.1:9464`, `[::1]:9464`): the worker runtime's metrics exporter takes a
 * socket address, not a host name. `localhost:9477` passed as host:port, started PostgreSQL and Temporal, then failed
 * the start naming no variable ("invalid socket address syntax").
 */
export const socketAddress = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):[0-9]{1,5}$/, 'not an IP address and port (127.0.0.1:9464, [::1]:9464)')
  .refine((value) => isIP(value.slice(0, value.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')) !== 0, 'not an IP address')
  .refine((value) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65_535;
  }, 'ports run from 1 to 65535');

export const host = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+|[A-Za-z0-9.-]+)$/, 'not a host name or IP address');

export const path = z.string().min(1);

/** A PEM document given inline (certificates and keys in an environment variable). */
export const pem = z.string().regex(/-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/, 'not a PEM document');

/** A secret: long enough not to be guessed, one line. */
export const secret = z
  .string()
  .min(16, 'shorter than 16 characters')
  .regex(/^[\x21-\x7e]+$/, 'not printable ASCII without spaces');

/** Secrets given as a comma-separated list, each a `secret`. */
export const secretsForm = z.string().transform(listEntries).pipe(z.array(secret).min(1, 'no secret'));

/** A JSON document checked against `schema`. */
export function json<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
