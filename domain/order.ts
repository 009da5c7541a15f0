import { z } from 'zod';
import { DeliveryPromiseSchema } from './delivery-promise';
import { COUNTRY_CODE_PATTERN } from './message-shapes';
import { LocaleTagSchema } from './notifications';
import { BACKORDER_POLICIES, SERVICE_LEVELS } from './workflow-input-shapes';

/**
 * The order contract: one declaration serves the API's validation, the OpenAPI document,
 * the order workflow's input and the TypeScript types.
 */

export const ServiceLevelSchema = z.enum(SERVICE_LEVELS);
export type ServiceLevel = z.infer<typeof ServiceLevelSchema>;

/** What to do when stock is short: wait for a restock until a deadline, or ship what is there. */
export const BackorderPolicySchema = z.enum(BACKORDER_POLICIES);
export type BackorderPolicy = z.infer<typeof BackorderPolicySchema>;

export const SkuCodeSchema = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,39}$/, 'SKU codes are 2–40 upper-case letters, digits and dashes');

const text = (max: number) => z.string().trim().min(1).max(max);

export const AddressSchema = z.object({
  name: text(120),
  line1: text(200),
  line2: z.string().trim().max(200).optional(),
  city: text(100),
  region: z.string().trim().max(100).optional(),
  postalCode: text(20),
  countryCode: z.string().regex(COUNTRY_CODE_PATTERN, 'countryCode is an ISO 3166-1 alpha-2 code such as "FR"'),
  phone: z.string().trim().max(40).optional(),
});
export type Address = z.infer<typeof AddressSchema>;

export const MAX_LINES_PER_ORDER = 100;
export const MAX_QUANTITY_PER_LINE = 1000;

export const OrderLineInputSchema = z.object({
  sku: SkuCodeSchema,
  quantity: z.number().int('quantity must be a whole number').positive().max(MAX_QUANTITY_PER_LINE),
});
export type OrderLineInput = z.infer<typeof OrderLineInputSchema>;

/**
 * zod's address check (its mailbox names, letters-only top-level domains) with a top-level domain in ASCII form too
 * (`xn--p1ai`, Russia's .рф), which the letters-only one refused.
 */
const MailAddressSchema = z.email({
  pattern: /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)$/,
});

/**
 * The address with its domain as the mail system resolves it: an internationalised domain (`exämple.fr`) in its ASCII form
 * (`xn--exmple-cua.fr`, what nodemailer sends at RCPT). A domain that is no host name is left as it is, for the check to refuse.
 */
function withAsciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 1 || !/^[^\s:/?#@[\]\\%]+$/u.test(domain)) return address;
  try {
    return `${address.slice(0, at)}@${new URL(`http://${domain}/`).hostname}`;
  } catch {
    return address;
  }
}

/**
 * A customer's e-mail address, kept as given. Its domain may be internationalised (`jean@exämple.fr`): the address was
 * refused, and the whole order with it (400 on customer.email), though mail systems deliver to such a domain. Its mailbox
 * name stays ASCII (one in other scripts needs SMTPUTF8 end to end, which relays cannot be counted on for).
 */
export const CustomerEmailSchema = z
  .string()
  .max(254)
  .refine((address) => MailAddressSchema.safeParse(withAsciiDomain(address)).success, 'Invalid email address')
  .meta({ format: 'idn-email' });

export const CustomerSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'customer id is 1–64 letters, digits, "_" or "-"'),
  name: text(120),
  email: CustomerEmailSchema.optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;

/** The body of `POST /orders`. */
export const OrderRequestSchema = z
  .object({
    customer: CustomerSchema,
    shipTo: AddressSchema,
    lines: z.array(OrderLineInputSchema).min(1, 'an order needs at least one line').max(MAX_LINES_PER_ORDER),
    serviceLevel: ServiceLevelSchema.default('standard'),
    /** The date the order source promised its customer: kept when the network can meet it, else refused in the answer's `promise`. */
    promisedBy: z.iso
      .datetime({ offset: true, message: 'expected an ISO 8601 date and time with its UTC offset, e.g. "2026-12-04T18:00:00+01:00"' })
      .optional(),
    backorderPolicy: BackorderPolicySchema.default('backorder'),
    /** How long a backordered order may wait for a restock before ops must decide. */
    backorderWaitHours: z
      .number()
      .int()
      .positive()
      .max(24 * 60)
      .default(72),
    source: z.string().trim().min(1).max(60).default('api'),
    // Optional without defaults: a default would change the hash of requests sent before these existed.
    locale: LocaleTagSchema.optional(),
    /** false: the customer gets no mail from Colis (the shop tells them itself). */
    notifyCustomer: z.boolean().optional(),
  })
  .superRefine((order, ctx) => {
    const seen = new Set<string>();
    order.lines.forEach((line, i) => {
      if (seen.has(line.sku)) {
        ctx.addIssue({ code: 'custom', path: ['lines', i, 'sku'], message: `SKU ${line.sku} appears on more than one line` });
      }
      seen.add(line.sku);
    });
  });
export type OrderRequest = z.infer<typeof OrderRequestSchema>;

/** What the order workflow starts with: the validated request plus the facts intake fixed. */
export const OrderWorkflowInputSchema = z.object({
  orderId: z.string(),
  idempotencyKey: z.string(),
  requestHash: z.string(),
  receivedAt: z.iso.datetime({ offset: true }),
  promisedBy: z.iso.datetime({ offset: true }),
  request: OrderRequestSchema,
  /** Business seconds per real second: 1 in production, larger in demos so a day passes in a minute. */
  timeScale: z.number().positive().default(1),
  /** What intake answered (absent on orders accepted before the promise engine): `promisedBy` is its `deliverBy`. */
  promise: DeliveryPromiseSchema.optional(),
  /** How business time maps to real time for this order (domain/business-clock.ts); real time when absent. */
  businessClock: z.object({ scale: z.number().positive(), realOriginMs: z.number(), businessOriginMs: z.number() }).optional(),
});
export type OrderWorkflowInput = z.infer<typeof OrderWorkflowInputSchema>;
