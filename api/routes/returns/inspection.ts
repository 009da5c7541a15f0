import { WorkflowNotFoundError } from '@temporalio/client';
import { OptionalIdempotencyHeadersSchema } from '../../../domain/api';
import { FINAL_RETURN_STATUSES, inspectionDisagreements, inspectionProblems, returnIds } from '../../../domain/return-policy';
import {
  ReturnIdParamsSchema,
  ReturnInspectionSchema,
  type ReturnInspection,
  type ReturnView,
  ReturnViewSchema,
} from '../../../domain/returns';
import { inspectReturnUpdate } from '../../../workflows/returns/definitions';
import { ApiError, notFound, toApiError } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { arrivedAfterClose, inspectArrivedAfterClose } from '../../services/late-return-arrivals';
import { runOpsAction } from '../../services/ops-actions';
import { type ReturnDeps, readReturn, startReturnWorkflow } from '../../services/returns';
import { returnWorkflowDeletedOf } from '../../services/workflow-ended';
import { describeWorkflow, withinDeadline } from '../../services/workflows';
import { errorResponses } from '../responses';
import type { RoutesApp } from '../route-app';

/** Ops record the warehouse's inspection of a returned parcel: it ends the return's workflow with the stock moved and the refund due. */

export function inspectionRoute(app: RoutesApp, deps: ReturnDeps): void {
  app.post(
    '/returns/:id/inspection',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['returns'],
        summary: 'Record the inspection of a returned parcel',
        description:
          'The warehouse opened the parcel: per return line, how many units go back on sale (`restock`) and how many are written off ' +
          'as damaged (`writeOff`); together they must be what the line returned. The stock moves in the ledger and the shop gets ' +
          "`refund.due` with the amount before this answers. Recorded as made by the calling key (the inspector is that key's " +
          'name, never a body field); its `note` is kept and shown as `inspectionNote`. Repeating the same inspection answers the same ' +
          '(with other figures, or a note other than the one recorded, 409); an Idempotency-Key makes a retry safe as for ' +
          'cancel (another body under the same key, 409). 409 once the return has ended or before it has a label. A carrier ' +
          'return (`channel: carrier`, a parcel the carrier brought back) whose customer ops already settled (re-ship, refund, ' +
          'cancel) owes nothing: no `refund.due`. A return whose parcel reached the warehouse after it had ended (refunded without ' +
          'the goods, expired, cancelled) is `received` again and inspected here all the same: the goods move once; after a ' +
          'refund without the goods nothing more is owed.',
        params: ReturnIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: ReturnInspectionSchema,
        response: {
          200: ReturnViewSchema,
          ...errorResponses({ key: true, body: true, notFound: true, conflict: true, unavailable: true }),
        },
      },
    },
    async (request, reply) => {
      const returnId = request.params.id;
      const actor = principalOf(request).name;
      const { body, replayed } = await runOpsAction(
        app.db,
        { actor, action: 'inspect_return', targetId: returnId, idempotencyKey: request.headers['idempotency-key'], request: request.body },
        () => inspectReturn(app, deps, returnId, request.body, actor),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      else request.log.info({ returnId, refundCents: body.refundCents, actor }, 'return inspected');
      return body;
    },
  );
}

async function inspectReturn(
  app: RoutesApp,
  deps: ReturnDeps,
  returnId: string,
  inspection: ReturnInspection,
  inspectedBy: string,
): Promise<ReturnView> {
  const row = await app.db.return.findUnique({ where: { id: returnId }, include: { lines: true } });
  if (!row) throw notFound(`return ${returnId}`);
  const problems = inspectionProblems(row.lines, inspection.lines);
  if (problems.length > 0) {
    throw new ApiError(
      400,
      'validation_failed',
      `the inspection does not match return ${returnId}`,
      problems.map((p) => ({ path: `body.lines.${p.index}`, message: p.message })),
    );
  }
  if (row.status === 'requested' || FINAL_RETURN_STATUSES.includes(row.status)) {
    const settled = row.status === 'completed' && row.inspectedAt ? await readReturn(app.db, returnId) : undefined;
    if (settled) return sameInspection(settled, inspection);
    throw new ApiError(409, 'order_state_conflict', `return ${returnId} is ${row.status.replace(/_/g, ' ')}: there is nothing to inspect`);
  }
  // Received after it had closed (late-return-arrivals.ts): no workflow is left to settle it, the database does.
  if (arrivedAfterClose(row)) {
    await inspectArrivedAfterClose(app, returnId, inspection, inspectedBy);
    const view = await readReturn(app.db, returnId);
    if (!view) throw notFound(`return ${returnId}`);
    return sameInspection(view, inspection);
  }
  // A carrier return's workflow is started by the activity that opened it, else by the sweep: the inspection need not wait for either.
  if (!row.startedAt) await startReturnWorkflow(deps, returnId, row.orderId, row.status);
  try {
    await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
      app.temporal.workflow.getHandle(returnIds.workflowId(returnId)).executeUpdate(inspectReturnUpdate, {
        args: [{ lines: inspection.lines, inspectedBy, ...(inspection.note ? { note: inspection.note } : {}) }],
        updateId: `inspect-${returnId}`,
      }),
    );
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw toApiError(error, `the inspection of return ${returnId}`) ?? error;
    // Closed: settled by this inspection's twin a moment ago (its answer), or ended without one.
    const settled = await readReturn(app.db, returnId);
    if (settled?.status === 'completed' && settled.inspectedAt !== undefined) return sameInspection(settled, inspection);
    throw await workflowEnded(app, returnId);
  }
  const view = await readReturn(app.db, returnId);
  if (!view) throw notFound(`return ${returnId}`);
  // The update is keyed by the return: a twin sent at the same moment with other figures gets the first one's outcome.
  return sameInspection(view, inspection);
}

/**
 * The return's workflow is closed while its row waits for an inspection: terminated in Temporal (the Web UI's Terminate runs
 * no workflow code, so the row stays as it was), or deleted (`temporal workflow delete`) or gone with the namespace's retention.
 * The return exists, so not a 404: the journey's state is the obstacle, and only a running workflow settles the stock and the
 * refund. One Temporal no longer knows cannot be reset: the answer says so rather than ask for a reset.
 */
async function workflowEnded(app: RoutesApp, returnId: string): Promise<ApiError> {
  const workflowId = returnIds.workflowId(returnId);
  const description = await describeWorkflow(app.temporal, workflowId);
  // Deleted (a running one terminated first) or gone with the retention: there is no run left to reset.
  if (!description) {
    return new ApiError(
      409,
      'order_state_conflict',
      `return ${returnId}: nothing was recorded. ${returnWorkflowDeletedOf(workflowId).hint}`,
    );
  }
  return new ApiError(
    409,
    'order_state_conflict',
    `return ${returnId}: its workflow ${workflowId} has ended in Temporal (${description.status.name.toLowerCase()}) before an inspection; nothing was recorded. ` +
      `Resume it with a reset (temporal workflow reset -w ${workflowId} --type LastWorkflowTask, or Reset in the Web UI), then inspect again`,
  );
}

/**
 * The inspected return, when it recorded this inspection; another one is a 409 naming each line that differs, or the note
 * when the figures agree and the note is not the one recorded (answering 200 and dropping it told the caller it was kept).
 */
function sameInspection(view: ReturnView, inspection: ReturnInspection): ReturnView {
  const differs = inspectionDisagreements(view.lines, inspection.lines).map((d) => ({ path: `body.lines.${d.index}`, message: d.message }));
  if (differs.length === 0 && (inspection.note === undefined || inspection.note === view.inspectionNote)) return view;
  throw new ApiError(
    409,
    'order_state_conflict',
    `return ${view.returnId} was already inspected with other ${differs.length > 0 ? 'figures' : 'words'}: nothing was changed`,
    differs.length > 0
      ? differs
      : [
          {
            path: 'body.note',
            message:
              view.inspectionNote === undefined
                ? 'the inspection was recorded without a note'
                : 'differs from the note recorded with the inspection',
          },
        ],
  );
}
