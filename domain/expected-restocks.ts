import { z } from 'zod';
import { limitQuery } from './api';
import { SkuCodeSchema } from './order';
import { pathSegmentLine } from './text-fields';

/**
 * Expected restocks (advance shipping notices): goods on their way to a warehouse, announced by the ERP or ops so that
 * the promise engine can date a backorder from them. Received by `POST /inventory/restock` under the same reference.
 */

/** How far ahead an arrival may be announced: the promise engine plans 30 working days ahead, a year is a typo. */
export const MAX_EXPECTED_RESTOCK_DAYS = 366;

export const RESTOCK_STATUSES = ['expected', 'received', 'cancelled'] as const;

export const ExpectedRestockReferenceSchema = pathSegmentLine(200);

export const ExpectedRestockParamsSchema = z.object({ reference: ExpectedRestockReferenceSchema });

export const ExpectedRestockBodySchema = z.object({
  warehouseCode: z.string().trim().min(1).max(20),
  skuCode: SkuCodeSchema,
  quantity: z.number().int().positive().max(1_000_000),
  /** When the goods are expected on the shelf (ISO 8601 with an offset): in the future, at most a year ahead. */
  expectedAt: z.iso.datetime({
    offset: true,
    message: 'expected an ISO 8601 date and time with its UTC offset, e.g. "2026-12-09T08:00:00+01:00"',
  }),
});
export type ExpectedRestockBody = z.infer<typeof ExpectedRestockBodySchema>;

export const ExpectedRestockSchema = z
  .object({
    reference: z.string(),
    warehouseCode: z.string(),
    skuCode: z.string(),
    quantity: z.number().int(),
    expectedAt: z.string(),
    status: z.enum(RESTOCK_STATUSES),
    /**
     * Still expected after its date: promises count it as arriving as late again as it is (a day from now at the
     * soonest), and not at all once two weeks late; ops should chase or re-date it.
     */
    overdue: z.boolean(),
    announcedAt: z.string(),
    receivedAt: z.string().optional(),
    cancelledAt: z.string().optional(),
  })
  .meta({ id: 'ExpectedRestock' });
export type ExpectedRestock = z.infer<typeof ExpectedRestockSchema>;

export const ExpectedRestockAnswerSchema = ExpectedRestockSchema.extend({
  /** Orders waiting for the SKU told to look again (each re-tries its reservation and re-dates its promise). */
  signalledOrders: z.array(z.string()),
}).meta({ id: 'ExpectedRestockAnswer' });

export const ExpectedRestockQuerySchema = z.object({
  warehouseCode: z.string().trim().min(1).max(20).optional(),
  skuCode: SkuCodeSchema.optional(),
  status: z.enum(RESTOCK_STATUSES).default('expected'),
  limit: limitQuery,
});

/**
 * A restock still expected after its date is late, and late goods are rarely on the shelf the next minute: a promise
 * counts it as arriving as late again as it already is, a business day from now at the soonest. Past two weeks it
 * dates no promise at all (the supplier is not coming, or nobody received it): ops re-date or cancel it.
 */
export const OVERDUE_RESTOCK_SOONEST_MS = 86_400_000;
export const OVERDUE_RESTOCK_DATES_NOTHING_AFTER_MS = 14 * 86_400_000;

/**
 * A backorder dated from a restock looks again this long after the restock was due, if it has not been received by
 * then (the workflow's timer): a receipt booked the same day is not a late restock; one still missing is, and the
 * order is re-dated by the rule above, with its mail and webhook, instead of keeping a date the goods already missed.
 */
export const RESTOCK_RECHECK_AFTER_MS = 12 * 3_600_000;

/** When a promise counts a restock expected at `expectedAtMs` as arriving, at `nowMs` (business time); undefined: not at all. */
export function restockArrivalForPromise(expectedAtMs: number, nowMs: number): number | undefined {
  const late = nowMs - expectedAtMs;
  if (late <= 0) return expectedAtMs;
  if (late > OVERDUE_RESTOCK_DATES_NOTHING_AFTER_MS) return undefined;
  return nowMs + Math.max(OVERDUE_RESTOCK_SOONEST_MS, late);
}

/** Issues with an announced arrival date at `nowMs`: in the past, or too far ahead. */
export function expectedAtIssues(expectedAt: string, nowMs: number): string | undefined {
  const at = Date.parse(expectedAt);
  if (at <= nowMs) return 'is in the past: goods that arrived are received (POST /inventory/restock), late ones get a new date';
  if (at > nowMs + MAX_EXPECTED_RESTOCK_DAYS * 86_400_000) return `is more than ${MAX_EXPECTED_RESTOCK_DAYS} days ahead`;
  return undefined;
}
