import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import type { z } from 'zod';
import { isCountryCode } from './countries';
import { invisibleTextProblem } from './human-text';
import { ChangeAddressRequestSchema } from './journey';
import { type Address, OrderRequestSchema } from './order';

/**
 * The domain's rules on what a client sends, beyond its shape: a real country (ISO 3166-1 alpha-2, domain/countries.ts),
 * a postal code in that country's format (postcode-validator; a country without postal codes takes
 * any), names and address lines that print as they read (domain/human-text.ts), a phone number a carrier can
 * dial (phoneIssues), a promise date in
 * the future and within a year. Applied by the API to intake and to an
 * address change, so a refused request reserves nothing and picks nothing. The workflow contract
 * (order.ts) keeps only the shape: orders accepted before a rule existed still read and replay.
 */

/** How far ahead a customer may be promised a date: far enough for any journey, near enough for every timer. */
export const MAX_PROMISE_DAYS = 366;

type Issue = { path: (string | number)[]; message: string };

export function addressIssues(address: Pick<Address, 'countryCode' | 'postalCode'>, at: (string | number)[]): Issue[] {
  // Rules apply to what has the right shape; the shape's own issues are already reported.
  if (typeof address?.countryCode !== 'string' || !/^[A-Z]{2}$/.test(address.countryCode) || typeof address.postalCode !== 'string')
    return [];
  if (!isCountryCode(address.countryCode)) {
    return [{ path: [...at, 'countryCode'], message: `"${address.countryCode}" is not an ISO 3166-1 alpha-2 country code` }];
  }
  // Postal codes are read without case (PostNL reads "1234 ab" as "1234 AB"); the library's patterns for NL, IE, LU, MT and
  // others match capitals only, so a Dutch customer who typed lower case was refused while a British one was not.
  const postalCode = address.postalCode.toUpperCase();
  if (postcodeValidatorExistsForCountry(address.countryCode) && !postcodeValidator(postalCode, address.countryCode)) {
    return [{ path: [...at, 'postalCode'], message: `is not a postal code of ${address.countryCode}` }];
  }
  return [];
}

/** The text that is printed on the label and shown to people: nothing invisible, nothing that reorders it. */
export function printedTextIssues(fields: Record<string, unknown> | undefined, at: (string | number)[]): Issue[] {
  if (fields === null || typeof fields !== 'object') return [];
  return Object.entries(fields).flatMap(([field, value]) => {
    const problem = typeof value === 'string' ? invisibleTextProblem(value) : undefined;
    return problem === undefined ? [] : [{ path: [...at, field], message: problem }];
  });
}

/**
 * A phone number as people write one for a carrier's label: digits grouped by spaces, "-", "." or one "( )" pair, an
 * optional leading "+", an optional extension ("ext. 123", "x123", "#123"), 6 to 20 digits before the extension
 * (E.164 has at most 15; an international prefix and a trunk 0 add a few). ShipEngine's definition types the phone as any
 * text ("+1 204-253-9411 ext. 123" its example), but its carriers refuse a number they cannot dial when the label is
 * bought, days after intake: the order then waits in a no_carrier escalation for a fault the shop could have fixed at once.
 * An empty phone is no phone (the carrier's address check asks for one where a carrier needs it).
 */
const PHONE_EXTENSION = /^(.*?)(?: ?,? ?(?:ext\.?|extension|x|#) ?\d{1,6})$/i;
const PHONE_MAIN = /^\+?(?:\d|\(\d)[\d ().-]*\d$/;
export const PHONE_DIGITS = { min: 6, max: 20 } as const;

export function phoneIssues(phone: unknown, at: (string | number)[]): Issue[] {
  // Text that would not print is named once, by printedTextIssues.
  if (typeof phone !== 'string' || phone === '' || invisibleTextProblem(phone) !== undefined) return [];
  const main = PHONE_EXTENSION.exec(phone)?.[1] ?? phone;
  const digits = main.replace(/\D/g, '').length;
  const groups = main.replace(/[^()]/g, '');
  const parentheses = groups === '' || (groups === '()' && /\(\d[\d .-]*\)/.test(main));
  if (!PHONE_MAIN.test(main) || !parentheses || /[ .-]{2,}/.test(main) || digits < PHONE_DIGITS.min || digits > PHONE_DIGITS.max) {
    return [
      {
        path: [...at, 'phone'],
        message: `is not a phone number: ${PHONE_DIGITS.min} to ${PHONE_DIGITS.max} digits, grouped by spaces, "-", "." or "( )", an optional leading "+" and extension, e.g. "+33 6 12 34 56 78" or "+1 204-253-9411 ext. 123"`,
      },
    ];
  }
  return [];
}

export function promisedByIssues(promisedBy: string | undefined, nowMs: number): Issue[] {
  // Only a date and time is judged: a malformed one is named once, by the contract's format. Date.parse rolls a day
  // the calendar lacks over ("2026-02-30" is 2 March), which was then also called "in the past" or "too far ahead".
  if (typeof promisedBy !== 'string' || !OrderRequestSchema.shape.promisedBy.safeParse(promisedBy).success) return [];
  const at = Date.parse(promisedBy);
  if (Number.isNaN(at)) return [];
  if (at <= nowMs) return [{ path: ['promisedBy'], message: 'is in the past; a promise is a future date' }];
  if (at > nowMs + MAX_PROMISE_DAYS * 86_400_000) return [{ path: ['promisedBy'], message: `is more than ${MAX_PROMISE_DAYS} days ahead` }];
  return [];
}

const report = (issues: Issue[], ctx: z.RefinementCtx) => {
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
};

/**
 * The body of `POST /orders`: the order contract and the domain's rules, but for the promise date's place in time
 * (promisedByIssues), which the route judges itself: a retry of an accepted order answers it even once its date has passed.
 */
export const PlaceOrderBodySchema = OrderRequestSchema.superRefine((order, ctx) => {
  report(
    [
      ...printedTextIssues({ name: order.customer?.name }, ['customer']),
      // Where the order came from (a shop's channel), shown to ops beside the order and in reports.
      ...printedTextIssues({ source: order.source }, []),
      ...printedTextIssues(order.shipTo, ['shipTo']),
      ...addressIssues(order.shipTo, ['shipTo']),
      ...phoneIssues(order.shipTo?.phone, ['shipTo']),
    ],
    ctx,
  );
});

/** The body of `POST /orders/:id/address`: the same address rules as at intake. */
export const ChangeAddressBodySchema = ChangeAddressRequestSchema.superRefine((change, ctx) => {
  report(
    [
      ...printedTextIssues(change.shipTo, ['shipTo']),
      ...addressIssues(change.shipTo, ['shipTo']),
      ...phoneIssues(change.shipTo?.phone, ['shipTo']),
    ],
    ctx,
  );
});
