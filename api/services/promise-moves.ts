import type { Db } from '../../activities/db';
import { isRepromiseReason, type RepromiseReason } from '../../domain/repromise-reasons';

/**
 * Why the order's date in force moved, for the customer's tracking page: the code the re-promise recorded with the move
 * (`PromiseChange.reason`, written by activities/repromise.ts and activities/backorder-promise.ts in the transaction that
 * moved the date), not the English sentence the journey's timeline or the shop's webhook carries. Only a move that set
 * the date in force answers: an earlier one, or a shipment's move that left the order's date where it was, is no reason
 * for the date the customer reads. Undefined when no recorded move set it (the page then says only that it changed).
 */
export async function whyPromiseMoved(
  db: Pick<Db, 'promiseChange'>,
  orderId: string,
  promisedBy: string,
): Promise<RepromiseReason | undefined> {
  const at = new Date(promisedBy);
  if (Number.isNaN(at.getTime())) return undefined;
  const move = await db.promiseChange.findFirst({
    where: { orderId, newPromisedBy: at },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { reason: true },
  });
  return move && isRepromiseReason(move.reason) ? move.reason : undefined;
}
