import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, KEYS, newKey } from './harness';
import { insertOrder, uniqueId } from './fixtures';

/**
 * Two answers to one escalation at once, the first still being applied: its update may yet be refused (another
 * escalation of the same shipment being acted on, its workflow gone), and then it releases its claim and the escalation
 * stays open. The second answer was told at once 409 `escalation_resolved` "already resolved: <the first's decision>":
 * seen on a running stack, a `refund` that its workflow refused was named as the decision of an escalation the journey
 * then closed as `wait`. Now the second answer waits for the first's outcome: applied, it is named; refused, the second
 * is applied in its place; still pending past the call's deadline, a 409 "being answered: try again" keeps its key free.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An escalation no workflow follows (answered in the database: left after a cancel), open. */
async function openEscalation(): Promise<string> {
  const orderId = await insertOrder(h.db, { status: 'cancelled' });
  const id = uniqueId('ESC');
  await h.db.escalation.create({
    data: { id, orderId, reason: 'left_after_cancel', severity: 'high', detail: 'label left after cancel', dedupeKey: id },
  });
  return id;
}

/** Another answer's claim, taken and not applied yet (its update on its way). */
const pendingClaim = (escalationId: string) =>
  h.db.escalationClaim.create({ data: { escalationId, actionId: 'another-answer', decision: 'cancel', actor: 'other-ops' } });

const answer = (escalationId: string, idempotencyKey = newKey('answer')) =>
  h.as(KEYS.ops, {
    method: 'POST',
    url: `/escalations/${escalationId}/resolve`,
    headers: { 'idempotency-key': idempotencyKey },
    payload: { decision: 'wait', note: 'keep waiting' },
  });

describe('an answer meeting another one being applied', () => {
  it('is applied when the other is refused and releases its claim, not told of a decision never made', async () => {
    const escalationId = await openEscalation();
    await pendingClaim(escalationId);
    const answered = answer(escalationId);
    await sleep(300);
    // The other answer's update was refused: its claim released, the escalation still open.
    await h.db.escalationClaim.deleteMany({ where: { escalationId, actionId: 'another-answer' } });
    const res = await answered;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ escalationId, decision: 'wait' });
    expect(await h.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({
      status: 'resolved',
      decision: 'wait',
      resolvedBy: KEYS.ops.name,
    });
  });

  it('names the other decision once it is applied', async () => {
    const escalationId = await openEscalation();
    await pendingClaim(escalationId);
    const answered = answer(escalationId);
    await sleep(300);
    await h.db.escalation.update({
      where: { id: escalationId },
      data: { status: 'resolved', decision: 'cancel', resolvedBy: 'other-ops', resolvedAt: new Date() },
    });
    await h.db.escalationClaim.update({ where: { escalationId }, data: { appliedAt: new Date() } });
    const res = await answered;
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'escalation_resolved',
      details: expect.arrayContaining([{ path: 'escalation.decision', message: 'cancel' }]),
    });
  });

  it('still pending past the deadline: a 409 to try again, the escalation open, the key free for the retry', async () => {
    const escalationId = await openEscalation();
    await pendingClaim(escalationId);
    const key = newKey('retry');
    const res = await answer(escalationId, key);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'order_state_conflict', message: expect.stringContaining('is being answered') });
    expect(await h.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({ status: 'open' });
    await h.db.escalationClaim.deleteMany({ where: { escalationId, actionId: 'another-answer' } });
    const retried = await answer(escalationId, key);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ decision: 'wait' });
  });
});
