import { randomUUID } from 'node:crypto';
import type { Db } from '../../activities/db';
import { FINAL_RETURN_STATUSES } from '../../domain/return-policy';
import { postJson } from './post-json';
import { INTAKE_KEY, OPS_KEY, sleep } from './stack';

/**
 * Returns a drill keeps in flight, asked as a shop asks them (`POST /orders/{id}/returns`, the intake key) and
 * inspected as a warehouse's ops do once the parcel is back (`POST /returns/{id}/inspection`, the ops key): every
 * unit back on sale, so the ledger still balances.
 */

/** No answer, or a 5xx (503 while a workflow is slow to answer, as on a loaded machine): asked again with the same key. */
const askAgain = (status: number) => status === 0 || status >= 500;

/** Posts until answered (at most 20 times, 2 s apart), every time under one Idempotency-Key; the answer and how many were asked again. */
async function postUntilAnswered(apiUrl: string, path: string, apiKey: string, body: unknown) {
  const key = randomUUID();
  let answer = await postJson(apiUrl, path, apiKey, body, key);
  let again = 0;
  while (askAgain(answer.status) && again < 20) {
    again += 1;
    await sleep(2_000);
    answer = await postJson(apiUrl, path, apiKey, body, key);
  }
  return { ...answer, again };
}

/** Asks a return of every line of each completed order among `orderIds` not asked yet, up to `limit`; the return ids. */
export async function askReturns(
  apiUrl: string,
  db: Db,
  orderIds: string[],
  asked: Set<string>,
  limit: number,
  askedAgain: { n: number },
): Promise<{ returnIds: string[]; refused: string[] }> {
  const completed = await db.order.findMany({
    where: { id: { in: orderIds.filter((id) => !asked.has(id)) }, status: 'completed' },
    select: { id: true, lines: { select: { skuCode: true, quantity: true } } },
    take: Math.max(0, limit),
  });
  const returnIds: string[] = [];
  const refused: string[] = [];
  for (const order of completed) {
    asked.add(order.id);
    const answer = await postUntilAnswered(apiUrl, `/orders/${order.id}/returns`, INTAKE_KEY, {
      lines: order.lines.map((l) => ({ sku: l.skuCode, quantity: l.quantity })),
      reason: 'no_longer_needed',
    });
    askedAgain.n += answer.again;
    const returnId = (answer.json as { returnId?: unknown } | undefined)?.returnId;
    if (answer.status < 300 && typeof returnId === 'string') returnIds.push(returnId);
    else refused.push(`${order.id}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`);
  }
  return { returnIds, refused };
}

/**
 * Inspects each return as its parcel reaches the warehouse (`received`) until every one is final or `timeoutMs`
 * passed; the returns by status at the end and the inspections the API refused.
 */
export async function settleReturns(
  apiUrl: string,
  db: Db,
  returnIds: string[],
  timeoutMs: number,
): Promise<{ byStatus: Record<string, number>; inspectionsRefused: string[]; inspectionsAskedAgain: number; done: boolean }> {
  const inspected = new Set<string>();
  const inspectionsRefused: string[] = [];
  let inspectionsAskedAgain = 0;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const returns = await db.return.findMany({
      where: { id: { in: returnIds } },
      select: { id: true, status: true, lines: { select: { lineNo: true, quantity: true } } },
    });
    for (const r of returns.filter((x) => x.status === 'received' && !inspected.has(x.id))) {
      inspected.add(r.id);
      const answer = await postUntilAnswered(apiUrl, `/returns/${r.id}/inspection`, OPS_KEY, {
        lines: r.lines.map((l) => ({ lineNo: l.lineNo, restock: l.quantity, writeOff: 0 })),
      });
      inspectionsAskedAgain += answer.again;
      if (answer.status >= 300) inspectionsRefused.push(`${r.id}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`);
    }
    const byStatus: Record<string, number> = {};
    for (const r of returns) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const done = returns.length === returnIds.length && returns.every((r) => FINAL_RETURN_STATUSES.includes(r.status));
    if (done || performance.now() > deadline) return { byStatus, inspectionsRefused, inspectionsAskedAgain, done };
    await sleep(1_000);
  }
}
