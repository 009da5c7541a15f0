import countries from 'i18n-iso-countries';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import type { z } from 'zod';
import { invisibleTextProblem } from './human-text';
import { ChangeAddressRequestSchema } from './journey';
import { type Address, OrderRequestSchema } from './order';

/**
 * The domain's rules on what a client sends, beyond its shape: a real country (ISO 3166-1 alpha-2),
 * a postal code in that country's format (postcode-validator; a country without postal codes takes
 * any), names and address lines that print as they read (domain/human-text.ts), a promise date in
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
  if (!countries.isValid(address.countryCode)) {
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

export function promisedByIssues(promisedBy: string | undefined, nowMs: number): Issue[] {
  const at = typeof promisedBy === 'string' ? Date.parse(promisedBy) : Number.NaN;
  if (Number.isNaN(at)) return [];
  if (at <= nowMs) return [{ path: ['promisedBy'], message: 'is in the past; a promise is a future date' }];
  if (at > nowMs + MAX_PROMISE_DAYS * 86_400_000) return [{ path: ['promisedBy'], message: `is more than ${MAX_PROMISE_DAYS} days ahead` }];
  return [];
}

const report = (issues: Issue[], ctx: z.RefinementCtx) => {
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
};

/** The body of `POST /orders`: the order contract and the domain's rules. */
export const PlaceOrderBodySchema = OrderRequestSchema.superRefine((order, ctx) => {
  report(
    [
      ...printedTextIssues({ name: order.customer?.name }, ['customer']),
      ...printedTextIssues(order.shipTo, ['shipTo']),
      ...addressIssues(order.shipTo, ['shipTo']),
      ...promisedByIssues(order.promisedBy, Date.now()),
    ],
    ctx,
  );
});

/** The body of `POST /orders/:id/address`: the same address rules as at intake. */
export const ChangeAddressBodySchema = ChangeAddressRequestSchema.superRefine((change, ctx) => {
  report([...printedTextIssues(change.shipTo, ['shipTo']), ...addressIssues(change.shipTo, ['shipTo'])], ctx);
});
