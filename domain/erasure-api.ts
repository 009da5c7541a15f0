import { z } from 'zod';
import { CustomerSchema } from './order';
import { ShopParamsSchema } from './webhooks-api';

/** What the erasure of a customer's personal data speaks over HTTP (api/routes/shops/customer-erasure.ts). */

export const CustomerErasureParamsSchema = ShopParamsSchema.extend({
  /** The shop's own customer id, as its orders gave it (`customer.id`): another shop's customer of the same id is not touched. */
  customerId: CustomerSchema.shape.id,
});
export type CustomerErasureParams = z.infer<typeof CustomerErasureParamsSchema>;

/** The record of an erasure: counts only, no personal data (it is also the answer an Idempotency-Key replays). */
export const CustomerErasureSchema = z
  .object({
    shopId: z.string(),
    customerId: z.string(),
    /** Orders whose personal data this request erased. */
    ordersErased: z.number().int(),
    /** Orders of the customer erased before (by an earlier request or by retention): nothing left to do for them. */
    ordersAlreadyErased: z.number().int(),
    addresses: z.number().int(),
    /** Customer mails not sent yet, given up: none will go to the erased address. */
    mailsGivenUp: z.number().int(),
    labelFiles: z.number().int(),
    erasedAt: z.string(),
    erasedBy: z.string(),
  })
  .meta({ id: 'CustomerErasure' });
export type CustomerErasure = z.infer<typeof CustomerErasureSchema>;
