import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../activities/carriers/signature';
import { claimIdFor, createReshipActivities } from '../../activities/reships';
import { CARRIER_STATUS_CODES } from '../../domain/tracking-codes';
import { settleClaimOfFoundParcel } from '../../api/services/found-parcels';
import { insertOrder, insertShipment } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, WEBHOOK_SECRET } from './harness';

/**
 * Carrier claims as a hostile client would use them: only ops keys see or move them, every bad input
 * is a 400 naming the field and changes nothing, a move the claim cannot make is a 409, and the key
 * that moved it is recorded. No worker runs: the claim is opened as the re-ship's activity opens it.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A shipped parcel of shop-a given up by ops: written off and claimed, as a re-ship does. */
async function claimedParcel(): Promise<{ claimId: string; orderId: string; shipmentId: string; trackingNumber: string }> {
  const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  const settled = await createReshipActivities(h.db).settleLostParcel({ shipmentId, damaged: false });
  expect(settled.claimId).toBe(claimIdFor(shipmentId));
  return { claimId: claimIdFor(shipmentId), orderId, shipmentId, trackingNumber };
}

const ops = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  h.as(KEYS.ops, { method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const move = (claimId: string, body: unknown) => ops('POST', `/claims/${claimId}/status`, body);

describe('carrier claims', () => {
  it('ops list the claim of a re-shipped parcel with its carrier, tracking number and goods value', async () => {
    const { claimId, orderId, shipmentId, trackingNumber } = await claimedParcel();
    const listed = await ops('GET', `/claims?orderId=${orderId}`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items).toEqual([
      expect.objectContaining({
        claimId,
        orderId,
        shipmentId,
        carrierCode: 'swiftpost',
        trackingNumber,
        reason: 'lost',
        status: 'open',
        nextStatuses: ['submitted', 'withdrawn'],
        updatedBy: 'colis',
      }),
    ]);
    // One mug at its catalogue price: what the carrier owes for the goods, not the shipping.
    expect(listed.json().items[0].amountCents).toBe(1290);
    expect((await ops('GET', '/claims?status=open')).json().items.map((c: { claimId: string }) => c.claimId)).toContain(claimId);
    expect((await ops('GET', `/claims/${claimId}`)).json()).toMatchObject({ claimId, status: 'open' });
  });

  it('open → submitted → paid, each move attributed to the ops key; a repeated move answers the claim unchanged, one with another note is a 409', async () => {
    const { claimId } = await claimedParcel();
    const submitted = await move(claimId, { status: 'submitted', note: 'filed on the carrier portal' });
    expect(submitted.statusCode, submitted.body).toBe(200);
    expect(submitted.json()).toMatchObject({
      status: 'submitted',
      updatedBy: KEYS.ops.name,
      note: 'filed on the carrier portal',
      nextStatuses: ['paid', 'refused', 'withdrawn'],
    });
    expect((await move(claimId, { status: 'submitted' })).json()).toMatchObject({
      status: 'submitted',
      note: 'filed on the carrier portal',
    });
    expect((await move(claimId, { status: 'submitted', note: 'filed on the carrier portal' })).statusCode).toBe(200);
    // A repeat with another note is no repeat: answered 200, the note was dropped while the caller took it as recorded.
    const noted = expectErrorShape(await move(claimId, { status: 'submitted', note: 'carrier ref 4411' }), 409, 'claim_state_conflict');
    expect(noted.message).toMatch(/already submitted .*this one was not kept/);
    expect(noted.details?.map((d) => d.path)).toEqual(['body.note']);
    expect((await h.db.carrierClaim.findUniqueOrThrow({ where: { id: claimId } })).note).toBe('filed on the carrier portal');
    expect((await move(claimId, { status: 'paid' })).json()).toMatchObject({ status: 'paid', nextStatuses: [] });
    const final = expectErrorShape(await move(claimId, { status: 'refused' }), 409, 'claim_state_conflict');
    expect(final.message).toMatch(/is paid: it can move to nothing \(final\), not refused/);
    expect((await h.db.carrierClaim.findUniqueOrThrow({ where: { id: claimId } })).status).toBe('paid');
  });

  it('a move is an ops action of the calling key; the same Idempotency-Key replays it, another body under it is a 409', async () => {
    const { claimId } = await claimedParcel();
    const key = newKey('claim');
    const moveOnce = (body: Record<string, unknown>) =>
      h.as(KEYS.ops, { method: 'POST', url: `/claims/${claimId}/status`, payload: body, headers: { 'idempotency-key': key } });
    const first = await moveOnce({ status: 'submitted' });
    expect(first.statusCode, first.body).toBe(200);
    const again = await moveOnce({ status: 'submitted' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expectErrorShape(await moveOnce({ status: 'refused' }), 409, 'idempotency_conflict');
    expect((await h.db.carrierClaim.findUniqueOrThrow({ where: { id: claimId } })).status).toBe('submitted');
    const actions = await h.db.opsAction.findMany({ where: { targetId: claimId } });
    expect(actions.map((a) => [a.actor, a.action, a.status])).toEqual([[KEYS.ops.name, 'move_claim', 200]]);
  });

  it('a filed claim whose parcel turned up is withdrawn by ops, and stays withdrawn: no answer from the carrier moves it', async () => {
    const { claimId } = await claimedParcel();
    expect((await move(claimId, { status: 'submitted', note: 'carrier ref C-77' })).statusCode).toBe(200);
    const withdrawn = await move(claimId, { status: 'withdrawn', note: 'parcel back at LYS1, told the carrier' });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', updatedBy: KEYS.ops.name, nextStatuses: [] });
    const late = expectErrorShape(await move(claimId, { status: 'paid' }), 409, 'claim_state_conflict');
    expect(late.message).toMatch(/is withdrawn: it can move to nothing \(final\), not paid/);
    expect((await ops('GET', '/claims?status=withdrawn')).json().items.map((c: { claimId: string }) => c.claimId)).toContain(claimId);
    // A paid claim cannot be withdrawn: the money is owed back, which is not a claim's move.
    const paid = await claimedParcel();
    await move(paid.claimId, { status: 'submitted' });
    await move(paid.claimId, { status: 'paid' });
    expectErrorShape(await move(paid.claimId, { status: 'withdrawn' }), 409, 'claim_state_conflict');
  });

  it('the carrier brings a claimed parcel back: an open claim is withdrawn; a filed one keeps ops’ note and gains why, once', async () => {
    const open = await claimedParcel();
    const filed = await claimedParcel();
    expect((await move(filed.claimId, { status: 'submitted', note: 'carrier ref C-78' })).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) {
      // The carrier repeats its scan: the same words are not added twice.
      await settleClaimOfFoundParcel(h.db, open.shipmentId, 'the carrier brought the parcel back (2026-12-09, return R-1)');
      await settleClaimOfFoundParcel(h.db, filed.shipmentId, 'the carrier brought the parcel back (2026-12-09, return R-2)');
    }
    expect((await ops('GET', `/claims/${open.claimId}`)).json()).toMatchObject({
      status: 'withdrawn',
      updatedBy: 'colis',
      note: 'the carrier brought the parcel back (2026-12-09, return R-1): nothing to claim, withdrawn',
    });
    expect((await ops('GET', `/claims/${filed.claimId}`)).json()).toMatchObject({
      status: 'submitted',
      updatedBy: KEYS.ops.name,
      note: 'carrier ref C-78 · the carrier brought the parcel back (2026-12-09, return R-2): withdraw the claim with the carrier, then here',
    });
  });

  it('the carrier delivers a parcel given up as lost: its open claim is withdrawn, once however often the scan comes', async () => {
    const { claimId, shipmentId, trackingNumber } = await claimedParcel();
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'lost' } });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const delivered = JSON.stringify({
      events: [
        {
          carrierCode: 'swiftpost',
          eventId: newKey('EVT-found'),
          trackingNumber,
          statusCode: CARRIER_STATUS_CODES.swiftpost.delivered,
          detail: 'Delivered',
          location: 'Lyon',
          occurredAt: yesterday,
        },
      ],
    });
    const push = () =>
      h.app.inject({
        method: 'POST',
        url: '/carriers/swiftpost/webhooks',
        headers: { 'content-type': 'application/json', 'colis-signature': signPayload(delivered, WEBHOOK_SECRET, Date.now()) },
        payload: delivered,
      });
    for (let i = 0; i < 2; i++) expect((await push()).statusCode).toBe(200);
    expect((await ops('GET', `/claims/${claimId}`)).json()).toMatchObject({
      status: 'withdrawn',
      updatedBy: 'colis',
      note: `the carrier delivered the parcel after all (${yesterday.slice(0, 10)}): nothing to claim, withdrawn`,
    });
    // A shipment that did not end lost (still travelling, its workflow gone) keeps its claim as it is.
    const other = await claimedParcel();
    const body = delivered.replace(trackingNumber, other.trackingNumber).replace(/EVT-found[^"]*/, newKey('EVT-other'));
    await h.app.inject({
      method: 'POST',
      url: '/carriers/swiftpost/webhooks',
      headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
      payload: body,
    });
    expect((await ops('GET', `/claims/${other.claimId}`)).json()).toMatchObject({ status: 'open' });
  });

  it('a claim cannot skip filing: open → paid is a 409 naming what it may move to', async () => {
    const { claimId } = await claimedParcel();
    const refused = expectErrorShape(await move(claimId, { status: 'paid' }), 409, 'claim_state_conflict');
    expect(refused.details).toEqual([{ path: 'body.status', message: 'allowed from open: submitted, withdrawn' }]);
    expect((await h.db.carrierClaim.findUniqueOrThrow({ where: { id: claimId } })).status).toBe('open');
  });

  it('bad input is a 400 naming the field and changes nothing', async () => {
    const { claimId } = await claimedParcel();
    const cases: [unknown, string][] = [
      [{ status: 'lost' }, 'body.status'],
      [{ status: 'open' }, 'body.status'],
      [{}, 'body.status'],
      [{ status: 'submitted', note: '' }, 'body.note'],
      [{ status: 'submitted', note: 'x'.repeat(501) }, 'body.note'],
      [{ status: 42 }, 'body.status'],
    ];
    for (const [body, path] of cases) {
      const error = expectErrorShape(await move(claimId, body), 400, 'validation_failed');
      expect(
        error.details?.map((d) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(expectErrorShape(await ops('GET', '/claims?status=pending'), 400, 'validation_failed').details?.[0]?.path).toBe('query.status');
    expect(expectErrorShape(await ops('GET', '/claims?limit=0'), 400, 'validation_failed').details?.[0]?.path).toBe('query.limit');
    expect(expectErrorShape(await move('bad id!', { status: 'submitted' }), 400, 'validation_failed').details?.[0]?.path).toBe('params.id');
    expect((await h.db.carrierClaim.findUniqueOrThrow({ where: { id: claimId } })).status).toBe('open');
  });

  it('a shop key, even the one whose order it is, neither sees nor moves a claim (403); an unknown claim is 404', async () => {
    const { claimId } = await claimedParcel();
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: '/claims' }), 403, 'forbidden');
    expectErrorShape(await h.as(KEYS.intakeB, { method: 'GET', url: `/claims/${claimId}` }), 403, 'forbidden');
    expectErrorShape(
      await h.as(KEYS.intake, { method: 'POST', url: `/claims/${claimId}/status`, payload: { status: 'submitted' } }),
      403,
      'forbidden',
    );
    expectErrorShape(await h.as(KEYS.swiftpost, { method: 'POST', url: `/claims/${claimId}/status`, payload: { status: 'paid' } }), 403);
    expectErrorShape(await move('claim-NOPE-S1', { status: 'submitted' }), 404, 'not_found');
    expectErrorShape(await ops('GET', '/claims/claim-NOPE-S1'), 404, 'not_found');
    expect((await h.db.carrierClaim.findUniqueOrThrow({ where: { id: claimId } })).status).toBe('open');
  });

  it('the parcel settled twice (an activity retried after its commit) has one write-off and one claim', async () => {
    const { claimId, shipmentId, orderId } = await claimedParcel();
    const again = await createReshipActivities(h.db).settleLostParcel({ shipmentId, damaged: false });
    expect(again).toEqual({ writtenOff: 0, claimId });
    expect(await h.db.carrierClaim.count({ where: { shipmentId } })).toBe(1);
    const writeOffs = await h.db.inventoryMovement.findMany({ where: { orderId, kind: 'write_off' } });
    expect(writeOffs.length).toBe(await h.db.shipmentLine.count({ where: { shipmentId } }));
  });
});
