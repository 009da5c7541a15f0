import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../activities/db';
import type { ApiErrorCode, ErrorDetail } from '../../domain/api';
import type { Prisma } from '../../prisma/generated/client';
import { CONFLICT_STATES, isDomainError } from '../../domain/errors';
import { ApiError, idempotencyConflict, toApiError } from '../errors';
import { canonicalJson } from './intake';
import { conflictStateOf } from './workflows';

/**
 * Every mutating ops request goes through here: it is recorded against the API key that made it
 * (OpsAction: the audit trail), and an Idempotency-Key makes it safe to repeat, as at intake: the
 * same key with the same request answers what the first answered without applying it again; with a
 * different request, 409. A request that failed for a reason that may pass (5xx, 429, or a refusal only because
 * another change of the same kind is being made, which says to try again) leaves its key free.
 */

export type OpsActionKind =
  | 'cancel'
  | 'change_address'
  | 'resolve_escalation'
  | 'restock'
  | 'inspect_return'
  | 'move_claim'
  | 'erase_customer';

export interface OpsActionRequest {
  actor: string;
  action: OpsActionKind;
  targetId: string;
  idempotencyKey: string | undefined;
  /** What makes two requests the same request: path parameters and body. */
  request: unknown;
}

export interface Answered<T> {
  body: T;
  /** True when this is the stored answer of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** A request whose process died before answering leaves its key taken this long, then another may apply it. */
const ABANDONED_AFTER_MS = 60_000;

interface StoredError {
  error: { code: ApiErrorCode; message: string; details?: ErrorDetail[] };
}

const hashOf = (action: OpsActionKind, targetId: string, request: unknown) =>
  createHash('sha256').update(canonicalJson({ action, targetId, request }), 'utf8').digest('hex');

/** The row this request applies under: a fresh one, one abandoned by a dead process, or the stored answer to replay. */
async function claimRow(
  db: Db,
  input: OpsActionRequest,
  requestHash: string,
): Promise<{ id: string } | { replay: { status: number; response: unknown } }> {
  const id = randomUUID();
  const row = {
    id,
    actor: input.actor,
    action: input.action,
    targetId: input.targetId,
    idempotencyKey: input.idempotencyKey ?? null,
    requestHash,
  };
  const { count } = await db.opsAction.createMany({ data: [row], skipDuplicates: true });
  if (count === 1 || input.idempotencyKey === undefined) return { id };

  const existing = await db.opsAction.findUnique({
    where: { actor_idempotencyKey: { actor: input.actor, idempotencyKey: input.idempotencyKey } },
  });
  if (!existing) return claimRow(db, input, requestHash); // deleted in between (its request failed): try again
  if (existing.requestHash !== requestHash) {
    throw idempotencyConflict(
      `Idempotency-Key "${input.idempotencyKey}" was already used by ${input.actor} for a different request (${existing.action} ${existing.targetId})`,
      `was already used for a different request (${existing.action} ${existing.targetId})`,
    );
  }
  if (existing.responseDroppedAt !== null) {
    // Its answer outlived its replay window (or its order's personal data was erased): the key still applies nothing twice.
    throw idempotencyConflict(
      `Idempotency-Key "${input.idempotencyKey}" was already used by ${input.actor} for this request on ${existing.createdAt.toISOString()}; ` +
        `its answer is no longer kept (dropped on ${existing.responseDroppedAt.toISOString()}, after the replay window ` +
        `COLIS_OPS_ANSWER_REPLAY_DAYS or its order's erasure): read the ${existing.action} target's state instead`,
      'was already used for this request; its answer is no longer kept',
    );
  }
  if (existing.status !== null) return { replay: { status: existing.status, response: existing.response } };
  if (Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS) {
    const taken = await db.opsAction.updateMany({
      where: { id: existing.id, createdAt: existing.createdAt },
      data: { createdAt: new Date() },
    });
    if (taken.count === 1) return { id: existing.id };
  }
  throw idempotencyConflict(
    `a request with Idempotency-Key "${input.idempotencyKey}" is being applied; retry in a moment`,
    'a request with this key is being applied; retry in a moment',
    { 'retry-after': '1' },
  );
}

/**
 * A refusal about timing, not the request ("already changing: try again once it is answered"), from this API's own
 * turn-taking or from the workflow: the retry it asks for must be applied, not answered the refusal again.
 */
function refusedForNow(error: unknown): boolean {
  // An erasure refused while the customer's orders are under way is asked again once they are over, under the same key.
  if (error instanceof ApiError && error.code === 'orders_under_way') return true;
  const state = isDomainError(error) && 'state' in error.details ? error.details.state : conflictStateOf(error);
  return state === CONFLICT_STATES.changeInProgress;
}

/** Applies `apply` once per Idempotency-Key (see the module comment); `apply` gets the action's id, a stable id for the update it sends. */
export async function runOpsAction<T>(db: Db, input: OpsActionRequest, apply: (actionId: string) => Promise<T>): Promise<Answered<T>> {
  const requestHash = hashOf(input.action, input.targetId, input.request);
  const claimed = await claimRow(db, input, requestHash);
  if ('replay' in claimed) {
    const { status, response } = claimed.replay;
    if (status >= 400) {
      const { error } = response as StoredError;
      throw new ApiError(status, error.code, error.message, error.details);
    }
    return { body: response as T, replayed: true };
  }
  try {
    const body = await apply(claimed.id);
    await db.opsAction.update({
      where: { id: claimed.id },
      data: { status: 200, response: body as Prisma.InputJsonValue, completedAt: new Date() },
    });
    return { body, replayed: false };
  } catch (error) {
    const answer = toApiError(error, undefined);
    const final = answer !== undefined && answer.statusCode < 500 && answer.statusCode !== 429 && !refusedForNow(error);
    if (final || input.idempotencyKey === undefined) {
      const stored: StoredError = {
        error: {
          code: answer?.code ?? 'internal',
          message: answer?.message ?? 'failed',
          ...(answer?.details ? { details: answer.details } : {}),
        },
      };
      await db.opsAction.update({
        where: { id: claimed.id },
        data: { status: answer?.statusCode ?? 500, response: stored as unknown as Prisma.InputJsonValue, completedAt: new Date() },
      });
    } else {
      await db.opsAction.delete({ where: { id: claimed.id } }); // may pass on a retry: the key stays free
    }
    throw error;
  }
}
