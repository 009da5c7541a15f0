import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { runOpsAction } from '../../api/services/ops-actions';
import { CONFLICT_STATES, DomainError } from '../../domain/errors';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * An ops request with an Idempotency-Key answers once: a retry with the same key gets the first answer. A refusal that
 * tells the client to try again ("already changing: try again once it is answered") is not that answer: it leaves the
 * key free, or the retry it asks for would get the same refusal for good.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(3);
});
afterAll(() => database?.drop());

let keys = 0;
const request = (idempotencyKey: string) => ({
  actor: 'ops-desk',
  action: 'change_address' as const,
  targetId: 'ORD-KEYS',
  idempotencyKey,
  request: { line1: '1 place Bellecour' },
});
const changing = () =>
  new DomainError('OrderStateConflict', 'the address of order ORD-KEYS is already changing: try again once it is answered', {
    orderId: 'ORD-KEYS',
    state: CONFLICT_STATES.changeInProgress,
    attempted: 'change_address',
  });

describe('ops actions under one Idempotency-Key', () => {
  it('a refusal "already changing" (from this API) leaves the key free: the retry it asks for is applied', async () => {
    const key = `keys-${++keys}`;
    await expect(runOpsAction(database.db, request(key), () => Promise.reject(changing()))).rejects.toThrow('already changing');
    const retried = await runOpsAction(database.db, request(key), async () => ({ applied: true }));
    expect(retried).toEqual({ body: { applied: true }, replayed: false });
    expect(await runOpsAction(database.db, request(key), async () => ({ applied: 'twice' }))).toEqual({
      body: { applied: true },
      replayed: true,
    });
  });

  it('a refusal "already changing" from the workflow (an update failure) leaves the key free too', async () => {
    const key = `keys-${++keys}`;
    const refusal = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({
        message: 'a cancellation is already being made',
        type: 'OrderStateConflict',
        nonRetryable: true,
        details: [{ orderId: 'ORD-KEYS', state: CONFLICT_STATES.changeInProgress, attempted: 'cancel' }],
      }),
    );
    await expect(runOpsAction(database.db, request(key), () => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(await runOpsAction(database.db, request(key), async () => ({ applied: true }))).toMatchObject({ replayed: false });
  });

  it('a refusal for good (the order shipped) stays the key’s answer: the retry gets it without applying again', async () => {
    const key = `keys-${++keys}`;
    const shipped = new DomainError('OrderStateConflict', 'order ORD-KEYS has shipped', {
      orderId: 'ORD-KEYS',
      state: 'shipped',
      attempted: 'change_address',
    });
    await expect(runOpsAction(database.db, request(key), () => Promise.reject(shipped))).rejects.toThrow('has shipped');
    let applied = false;
    const retried = runOpsAction(database.db, request(key), async () => {
      applied = true;
      return {};
    });
    await expect(retried).rejects.toBeInstanceOf(ApiError);
    await expect(retried).rejects.toMatchObject({ statusCode: 409, code: 'order_state_conflict' });
    expect(applied).toBe(false);
  });
});
