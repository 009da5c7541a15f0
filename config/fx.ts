import { z } from 'zod';
import { listEntries } from './forms';

const CURRENCY = /^[A-Z]{3}$/;

/**
 * `USD:EUR=0.92,GBP:EUR=1.17`: one FROM buys `rate` TO. The reverse of a pair is derived
 * (domain/money.ts), so each pair is given once.
 */
export const fxRatesForm = z.string().transform((raw, ctx): Record<string, number> => {
  const rates: Record<string, number> = {};
  const entries = listEntries(raw);
  for (const [i, entry] of entries.entries()) {
    const match = /^([A-Za-z]{3}):([A-Za-z]{3})=([0-9]+(?:\.[0-9]+)?)$/.exec(entry);
    const from = match?.[1]?.toUpperCase() ?? '';
    const to = match?.[2]?.toUpperCase() ?? '';
    const rate = Number(match?.[3]);
    const problem = !match
      ? `entry ${i + 1} is not <FROM>:<TO>=<rate>`
      : !CURRENCY.test(from) || !CURRENCY.test(to) || from === to
        ? `entry ${i + 1} does not name two different currencies`
        : !(rate > 0) || !Number.isFinite(rate)
          ? `the ${from}:${to} rate is not a number above 0`
          : Object.hasOwn(rates, `${from}:${to}`) || Object.hasOwn(rates, `${to}:${from}`)
            ? `${from} and ${to} are given twice (the reverse is derived)`
            : undefined;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    rates[`${from}:${to}`] = rate;
  }
  if (Object.keys(rates).length === 0) {
    ctx.addIssue({ code: 'custom', message: 'no rate in it' });
    return z.NEVER;
  }
  return rates;
});
