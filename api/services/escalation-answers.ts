import type { Client } from '@temporalio/client';
import type { Db } from '../../activities/db';
import type { EscalationDecision, EscalationView } from '../../domain/journey';
import { CONFLICT_STATES, DomainError } from '../../domain/errors';
import { ANSWERED_IN_THE_DATABASE, DECISIONS_BY_REASON } from '../../domain/lifecycle';
import { ids } from '../../domain/ids';
import { returnIds } from '../../domain/return-policy';
import { resolveEscalationUpdate } from '../../workflows/definitions';
import { ApiError, domainErrorTypeOf, notFound, rootApplicationFailure, toApiError, unavailable } from '../errors';
import { escalationView } from './views';
import { describeWorkflow, withinDeadline } from './workflows';

/**
 * Ops' answer to an escalation. Of concurrent answers exactly one is applied: each first claims the
 * escalation in PostgreSQL (EscalationClaim, one row per escalation), the claim's winner sends the
 * workflow its update, every other gets 409 with the winning decision. The database row also tells
 * apart the two reasons a workflow may refuse an answer: it has closed the escalation (answered, or
 * resolved by itself: delivered, a new scan), or it does not know the escalation yet (its row is
 * stored a moment before the workflow learns it) — then the answer is retried for a few seconds.
 */

export interface AnswerRequest {
  escalationId: string;
  decision: EscalationDecision;
  note?: string;
  /** The API key name: the actor recorded, never a body field. */
  actor: string;
  /** The OpsAction recording this request (a stable id for the update). */
  actionId: string;
}

export interface AnswerDeps {
  db: Db;
  temporal: Client;
  callTimeoutMs: number;
}

/** How long an answer waits for a workflow that has not learnt of its escalation yet. */
const NOT_YET_KNOWN_PATIENCE_MS = 5_000;
/** A claim whose request never finished (its API process died) may be taken over after this. */
const CLAIM_ABANDONED_AFTER_MS = 60_000;
/** How often an answer looks again at a claim another answer holds and has not applied yet. */
const CLAIM_POLL_MS = 100;

function alreadyResolved(escalationId: string, decision: string | null, by: string | null, at: Date | null): ApiError {
  return new ApiError(
    409,
    'escalation_resolved',
    `escalation ${escalationId} was already resolved: ${decision ?? 'closed by its workflow'}${by ? ` by ${by}` : ''}`,
    [
      { path: 'escalation.decision', message: decision ?? 'none' },
      ...(by ? [{ path: 'escalation.resolvedBy', message: by }] : []),
      ...(at ? [{ path: 'escalation.resolvedAt', message: at.toISOString() }] : []),
    ],
  );
}

/**
 * Another answer holds the escalation's claim and has not been applied yet: its update may still be refused (a sibling
 * escalation being acted on, the workflow gone), and then it releases the claim and the escalation stays open. So this
 * answer is not told "already resolved" with a decision that may never apply: it waits for that answer's outcome, and
 * past its patience is refused for now, its Idempotency-Key left free (api/services/ops-actions.ts).
 */
function beingAnswered(escalationId: string, orderId: string, other: { decision: string; actor: string }): DomainError {
  return new DomainError(
    'OrderStateConflict',
    `escalation ${escalationId} is being answered (${other.decision} by ${other.actor}): try again once it is answered`,
    { orderId, state: CONFLICT_STATES.changeInProgress, attempted: 'resolve_escalation' },
  );
}

async function claim(db: Db, request: AnswerRequest, orderId: string, giveUpAt: number): Promise<void> {
  const row = { escalationId: request.escalationId, actionId: request.actionId, decision: request.decision, actor: request.actor };
  for (;;) {
    const { count } = await db.escalationClaim.createMany({ data: [row], skipDuplicates: true });
    if (count === 1) return;
    const existing = await db.escalationClaim.findUnique({ where: { escalationId: request.escalationId } });
    if (!existing) continue; // released in between (its answer was refused): claim it again
    if (existing.actionId === request.actionId) return; // this same action, taken over after its process died
    if (existing.appliedAt) throw alreadyResolved(request.escalationId, existing.decision, existing.actor, existing.appliedAt);
    if (Date.now() - existing.claimedAt.getTime() > CLAIM_ABANDONED_AFTER_MS) {
      const taken = await db.escalationClaim.updateMany({
        where: { escalationId: request.escalationId, claimedAt: existing.claimedAt },
        data: { ...row, claimedAt: new Date() },
      });
      if (taken.count === 1) return;
      continue;
    }
    if (Date.now() >= giveUpAt) throw beingAnswered(request.escalationId, orderId, existing);
    await sleep(CLAIM_POLL_MS);
  }
}

const release = (db: Db, request: AnswerRequest) =>
  db.escalationClaim.deleteMany({ where: { escalationId: request.escalationId, actionId: request.actionId, appliedAt: null } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function answerEscalation(deps: AnswerDeps, request: AnswerRequest): Promise<EscalationView & { workflowId: string }> {
  const { db } = deps;
  const { escalationId } = request;
  const escalation = await db.escalation.findUnique({ where: { id: escalationId } });
  if (!escalation) throw notFound(`escalation ${escalationId}`);
  if (escalation.status === 'resolved')
    throw alreadyResolved(escalationId, escalation.decision, escalation.resolvedBy, escalation.resolvedAt);
  const allowed = DECISIONS_BY_REASON[escalation.reason];
  if (!allowed.includes(request.decision)) {
    throw new ApiError(400, 'validation_failed', `a ${escalation.reason} escalation cannot be answered with ${request.decision}`, [
      { path: 'body.decision', message: `allowed: ${allowed.join(', ')}` },
    ]);
  }
  const workflowId = escalation.returnId
    ? returnIds.workflowId(escalation.returnId)
    : escalation.shipmentId
      ? ids.shipmentWorkflowId(escalation.shipmentId)
      : ids.orderWorkflowId(escalation.orderId);
  // How long an answer waits for a concurrent one to be applied or refused: the update's own deadline, at most.
  const giveUpAt = Date.now() + deps.callTimeoutMs;
  if (ANSWERED_IN_THE_DATABASE.has(escalation.reason)) return answerInTheDatabase(db, request, workflowId, escalation.orderId, giveUpAt);
  await claim(db, request, escalation.orderId, giveUpAt);
  try {
    const view = await sendAnswer(deps, request, workflowId);
    await db.escalationClaim.updateMany({ where: { escalationId, actionId: request.actionId }, data: { appliedAt: new Date() } });
    return { ...view, workflowId };
  } catch (error) {
    await release(db, request);
    throw error;
  }
}

/**
 * An escalation no workflow follows (the API opened it for a journey already ended: api/services/left-after-cancel.ts):
 * claimed like any other, then closed in its row, where a workflow would have closed it.
 */
async function answerInTheDatabase(
  db: Db,
  request: AnswerRequest,
  workflowId: string,
  orderId: string,
  giveUpAt: number,
): Promise<EscalationView & { workflowId: string }> {
  await claim(db, request, orderId, giveUpAt);
  await db.escalation.updateMany({
    where: { id: request.escalationId, status: 'open' },
    data: {
      status: 'resolved',
      decision: request.decision,
      resolvedBy: request.actor,
      note: request.note ?? null,
      resolvedAt: new Date(),
    },
  });
  await db.escalationClaim.updateMany({
    where: { escalationId: request.escalationId, actionId: request.actionId },
    data: { appliedAt: new Date() },
  });
  const row = await db.escalation.findUniqueOrThrow({ where: { id: request.escalationId } });
  return { ...escalationView(row), workflowId };
}

/** The update, once per escalation (its id is the escalation's), retried while the workflow has not learnt of the escalation yet. */
async function sendAnswer(deps: AnswerDeps, request: AnswerRequest, workflowId: string): Promise<EscalationView> {
  const { db, temporal } = deps;
  const deadline = Date.now() + NOT_YET_KNOWN_PATIENCE_MS;
  for (;;) {
    const description = await describeWorkflow(temporal, workflowId);
    if (description?.status.name !== 'RUNNING') {
      const row = await db.escalation.findUnique({ where: { id: request.escalationId } });
      if (row?.status === 'resolved') throw alreadyResolved(request.escalationId, row.decision, row.resolvedBy, row.resolvedAt);
      throw new ApiError(
        409,
        'order_state_conflict',
        `the workflow ${workflowId} that opened escalation ${request.escalationId} is no longer running`,
      );
    }
    try {
      return await withinDeadline(temporal, deps.callTimeoutMs, () =>
        temporal.workflow.getHandle(workflowId).executeUpdate(resolveEscalationUpdate, {
          args: [
            {
              escalationId: request.escalationId,
              decision: request.decision,
              resolvedBy: request.actor,
              ...(request.note ? { note: request.note } : {}),
            },
          ],
          updateId: `resolve-${request.escalationId}`,
        }),
      );
    } catch (error) {
      if (rootApplicationFailure(error)?.type === 'EscalationResolved') throw await resolvedOnItsWorkflow(db, request.escalationId, error);
      if (domainErrorTypeOf(error) !== 'EscalationNotOpen')
        throw toApiError(error, `resolving escalation ${request.escalationId}`) ?? error;
      // Refused as not open: closed already (answered, or resolved by the workflow itself), or not known to the workflow yet.
      const row = await db.escalation.findUnique({ where: { id: request.escalationId } });
      if (row?.status === 'resolved') throw alreadyResolved(request.escalationId, row.decision, row.resolvedBy, row.resolvedAt);
      // Opened before the running run started: that run will not learn it (waiting for it was a 503 for ever).
      if (row && openedBeforeRun(row.openedAt, description.startTime))
        throw await heldByNoRun(deps, row, workflowId, description.startTime);
      if (Date.now() > deadline) {
        throw unavailable(`escalation ${request.escalationId} is not open on its workflow yet; retry in a moment`, 1);
      }
      await sleep(250);
    }
  }
}

/**
 * The row's time is the database's, the run's start Temporal's: they are compared only with a margin for the two clocks,
 * and not at all when Temporal's is not the wall clock (the time-skipping test server's runs start decades ahead). An
 * escalation opened within the margin of a reset is answered as one not open yet (a 503), as before.
 */
const CLOCKS_MAY_DIFFER_MS = 5_000;
function openedBeforeRun(openedAt: Date, runStartedAt: Date): boolean {
  const started = runStartedAt.getTime();
  return started <= Date.now() + CLOCKS_MAY_DIFFER_MS && openedAt.getTime() < started - CLOCKS_MAY_DIFFER_MS;
}

/**
 * An escalation opened by a run of its workflow that Temporal has replaced since (a reset to a point before it opened, a
 * shipment started by hand on its id with its input): the running run does not hold it and never will, unless it opens the
 * same one again. Before, every answer to it waited, then was a 503 "not open on its workflow yet; retry in a moment",
 * for ever. When the running run holds an open escalation of the same reason (it opened its own for the same trouble),
 * this one is superseded: closed in its row as its workflow would close it (`wait`, by `colis`, the successor named),
 * and the answer is a 409 naming the one to answer. Otherwise a 409 saying why, nothing recorded: the running run may
 * open the same escalation again as it replays the journey, and then takes the answer.
 */
async function heldByNoRun(
  deps: AnswerDeps,
  row: { id: string; reason: string },
  workflowId: string,
  runStartedAt: Date,
): Promise<ApiError> {
  const why =
    `escalation ${row.id} was opened by an earlier run of ${workflowId}, which Temporal replaced at ` +
    `${runStartedAt.toISOString()} (a reset, or a start by hand on its id): the running run does not hold it`;
  const view = await withinDeadline(deps.temporal, deps.callTimeoutMs, () =>
    deps.temporal.workflow.getHandle(workflowId).query<{ escalations?: EscalationView[] }>('status'),
  ).catch(() => undefined);
  const successor = view?.escalations?.find((e) => e.reason === row.reason && e.resolvedAt === undefined && e.escalationId !== row.id);
  if (successor === undefined) return new ApiError(409, 'order_state_conflict', `${why}; nothing was recorded`);
  const note = `superseded by ${successor.escalationId}, which the running run of ${workflowId} opened for the same ${row.reason}`;
  await deps.db.escalation.updateMany({
    where: { id: row.id, status: 'open' },
    data: { status: 'resolved', decision: 'wait', resolvedBy: 'colis', note, resolvedAt: new Date() },
  });
  return new ApiError(
    409,
    'escalation_resolved',
    `${why}, and holds ${successor.escalationId} for the same ${row.reason}: ${row.id} is closed unanswered; answer ${successor.escalationId}`,
    [{ path: 'escalation.supersededBy', message: successor.escalationId }],
  );
}

/**
 * The workflow holds the escalation answered (workflows/shared/escalation.ts, `EscalationResolved`): by another answer, or by
 * itself when its journey settled it (a refund decided on the same parcel closes its other escalations as `wait`). Its row
 * may still say open for a moment (the workflow writes it next), so the decision comes from the row once written, else
 * from the refusal: the 409 `escalation_resolved` every other lost answer gets, not an `order_state_conflict` without it.
 */
async function resolvedOnItsWorkflow(db: Db, escalationId: string, refusal: unknown): Promise<ApiError> {
  const row = await db.escalation.findUnique({ where: { id: escalationId } });
  if (row?.status === 'resolved') return alreadyResolved(escalationId, row.decision, row.resolvedBy, row.resolvedAt);
  const [details] = rootApplicationFailure(refusal)?.details ?? [];
  const decision = typeof details === 'object' && details !== null && 'decision' in details ? details.decision : undefined;
  return alreadyResolved(escalationId, typeof decision === 'string' ? decision : null, null, null);
}
