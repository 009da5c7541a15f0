import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IntakeHeadersSchema, LabelDocumentQuerySchema, OptionalIdempotencyHeadersSchema, OrderIdParamsSchema } from '../../../domain/api';
import { FINAL_RETURN_STATUSES, inspectionDisagreements, inspectionProblems, returnIds } from '../../../domain/return-policy';
import {
  ReturnIdParamsSchema,
  ReturnInspectionSchema,
  ReturnListQuerySchema,
  ReturnListSchema,
  ReturnRequestSchema,
  type ReturnInspection,
  type ReturnView,
  ReturnViewSchema,
} from '../../../domain/returns';
import { inspectReturnUpdate } from '../../../workflows/returns/definitions';
import { ApiError, notFound, toApiError } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { arrivedAfterClose, inspectArrivedAfterClose } from '../../services/late-return-arrivals';
import { runOpsAction } from '../../services/ops-actions';
import { returnLabelFile } from '../../services/return-label';
import {
  listReturns,
  acceptedOnly,
  mayReadReturnOf,
  readReturn,
  returnDepsOf,
  startReturn,
  startReturnWorkflow,
  sweepUnstartedReturns,
} from '../../services/returns';
import { describeWorkflow, withinDeadline } from '../../services/workflows';
import { LabelFileSchema, sendLabelFile } from '../label-file';
import { errorResponses } from '../responses';

/**
 * Returns (RMA): shops (their own orders) and ops start them; anyone who may read the order reads
 * them; ops record the warehouse's inspection, which ends the return's workflow with the stock moved
 * and the refund due. The customer's way in is the tracking page (routes/pages).
 */
const returns: FastifyPluginAsyncZod = async (app) => {
  const deps = returnDepsOf(app);

  let sweepTimer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    const tick = () => {
      sweepUnstartedReturns(deps)
        .catch((error: unknown) => deps.log.warn({ err: String(error) }, 'return sweep failed; retrying'))
        .finally(() => {
          sweepTimer = setTimeout(tick, 10_000);
          sweepTimer.unref();
        });
    };
    sweepTimer = setTimeout(tick, 1_000);
    sweepTimer.unref();
  });
  app.addHook('onClose', async () => {
    if (sweepTimer) clearTimeout(sweepTimer);
  });

  app.post(
    '/orders/:id/returns',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['returns'],
        summary: 'Start a return',
        description:
          'Starts a return (RMA) of delivered goods: a prepaid return label is bought and mailed to the customer, the parcel is ' +
          'tracked back to the warehouse that shipped it, inspected there, and the shop gets `refund.due`. Only goods delivered ' +
          "and not already on their way back; 409 `return_window_closed` after the shop's return window (30 days after delivery " +
          'by default). The Idempotency-Key makes retries safe, as for orders. A shop returns its own orders only.',
        params: OrderIdParamsSchema,
        headers: IntakeHeadersSchema,
        body: ReturnRequestSchema,
        response: {
          202: ReturnViewSchema,
          200: ReturnViewSchema,
          ...errorResponses({ key: true, body: true, notFound: true, conflict: true }),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { outcome, view } = await startReturn(deps, {
        orderId: request.params.id,
        request: request.body,
        channel: principal.role === 'ops' ? 'ops' : 'shop',
        requestedBy: principal.name,
        idempotencyKey: request.headers['idempotency-key'],
        principal,
      });
      request.log.info({ returnId: view.returnId, orderId: view.orderId, outcome }, 'return');
      return reply
        .code(outcome === 'created' ? 202 : 200)
        .header('location', `${app.config.publicUrl ?? ''}/returns/${view.returnId}`)
        .send(view);
    },
  );

  returnListRoutes(app);

  app.get(
    '/returns/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['returns'],
        summary: 'A return',
        params: ReturnIdParamsSchema,
        response: { 200: ReturnViewSchema, ...errorResponses({ key: true, notFound: true }) },
      },
    },
    async (request) => {
      const row = await app.db.return.findUnique({ where: { id: request.params.id }, select: { order: { select: { shopId: true } } } });
      if (!row || !mayReadReturnOf(request.principal, row.order.shopId)) throw notFound(`return ${request.params.id}`);
      const view = await readReturn(app.db, request.params.id);
      if (!view) throw notFound(`return ${request.params.id}`);
      return view;
    },
  );

  returnLabelRoute(app);

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
          'name, never a body field). Repeating the same inspection answers the same; an Idempotency-Key makes a retry safe as for ' +
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
        () => inspect(returnId, request.body, actor),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      else request.log.info({ returnId, refundCents: body.refundCents, actor }, 'return inspected');
      return body;
    },
  );

  const inspect = async (returnId: string, inspection: ReturnInspection, inspectedBy: string): Promise<ReturnView> => {
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
      throw new ApiError(
        409,
        'order_state_conflict',
        `return ${returnId} is ${row.status.replace(/_/g, ' ')}: there is nothing to inspect`,
      );
    }
    // Received after it had closed (late-return-arrivals.ts): no workflow is left to settle it, the database does.
    if (arrivedAfterClose(row)) {
      await inspectArrivedAfterClose(app, returnId, inspection, inspectedBy);
      const view = await readReturn(app.db, returnId);
      if (!view) throw notFound(`return ${returnId}`);
      return sameInspection(view, inspection);
    }
    // A carrier return's workflow is started by the activity that opened it, else by the sweep: the inspection need not wait for either.
    if (!row.startedAt) await startReturnWorkflow(deps, returnId, row.orderId);
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
      throw await workflowEnded(returnId);
    }
    const view = await readReturn(app.db, returnId);
    if (!view) throw notFound(`return ${returnId}`);
    // The update is keyed by the return: a twin sent at the same moment with other figures gets the first one's outcome.
    return sameInspection(view, inspection);
  };
  /**
   * The return's workflow is closed while its row waits for an inspection: terminated in Temporal (the Web UI's Terminate runs
   * no workflow code, so the row stays as it was), or gone with the namespace's retention. The return exists, so not a 404:
   * the journey's state is the obstacle, and only a running workflow settles the stock and the refund.
   */
  const workflowEnded = async (returnId: string): Promise<ApiError> => {
    const workflowId = returnIds.workflowId(returnId);
    const status = (await describeWorkflow(app.temporal, workflowId))?.status.name.toLowerCase() ?? 'no longer held by Temporal';
    return new ApiError(
      409,
      'order_state_conflict',
      `return ${returnId}: its workflow ${workflowId} has ended in Temporal (${status}) before an inspection; nothing was recorded. ` +
        `Resume it with a reset (temporal workflow reset -w ${workflowId} --type LastWorkflowTask, or Reset in the Web UI), then inspect again`,
    );
  };
};

/** The inspected return, when it recorded this inspection; another one is a 409 naming each line that differs. */
function sameInspection(view: ReturnView, inspection: ReturnInspection): ReturnView {
  const differs = inspectionDisagreements(view.lines, inspection.lines);
  if (differs.length === 0) return view;
  throw new ApiError(
    409,
    'order_state_conflict',
    `return ${view.returnId} was already inspected with other figures: nothing was changed`,
    differs.map((d) => ({ path: `body.lines.${d.index}`, message: d.message })),
  );
}

/** The return label's files, for the shop or ops to print or pass on (the customer's way: routes/pages/return-label.ts). */
/** An order's returns (its shop or ops), and every return newest first, page by page (ops). */
function returnListRoutes(app: Parameters<FastifyPluginAsyncZod>[0]): void {
  app.get(
    '/orders/:id/returns',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['returns'],
        summary: "An order's returns",
        params: OrderIdParamsSchema,
        response: { 200: ReturnListSchema, ...errorResponses({ key: true, notFound: true }) },
      },
    },
    async (request) => {
      // An order accepted whose journey has not recorded it yet is shown (GET /orders/{id}: `received`): it has no returns.
      const order =
        (await app.db.order.findUnique({ where: { id: request.params.id }, select: { shopId: true } })) ??
        (await acceptedOnly(app.db, request.params.id));
      if (!order || !mayReadReturnOf(request.principal, order.shopId)) throw notFound(`order ${request.params.id}`);
      return listReturns(app.db, { orderId: request.params.id }, 200);
    },
  );

  app.get(
    '/returns',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['returns'],
        summary: 'List returns',
        description:
          'Newest first; `status=received` lists the parcels waiting for inspection at a warehouse.' +
          ' Pages of `limit` (1–200, default 50); the next page with `cursor` set to the `nextCursor` of the one before.',
        querystring: ReturnListQuerySchema,
        response: { 200: ReturnListSchema, ...errorResponses({ key: true }) },
      },
    },
    async (request) =>
      listReturns(app.db, { ...(request.query.status ? { status: request.query.status } : {}) }, request.query.limit, request.query.cursor),
  );
}

function returnLabelRoute(app: Parameters<FastifyPluginAsyncZod>[0]): void {
  app.get(
    '/returns/:id/label',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['returns'],
        summary: "The return's printable label",
        description:
          'The return label as the carrier made it, kept at purchase, for the customer to print: `format=pdf` (default, ' +
          '`application/pdf`) or `format=zpl` (`application/zpl`). The customer gets the same file from their tracking page and ' +
          'the return mail. 404 before the label is bought, once it is voided (the return expired unused), or when the carrier ' +
          'does not make that format.',
        params: ReturnIdParamsSchema,
        querystring: LabelDocumentQuerySchema,
        response: { 200: LabelFileSchema, ...errorResponses({ key: true, notFound: true }) },
      },
    },
    async (request, reply) => {
      const returnId = request.params.id;
      const row = await app.db.return.findUnique({ where: { id: returnId }, select: { order: { select: { shopId: true } } } });
      if (!row || !mayReadReturnOf(request.principal, row.order.shopId)) throw notFound(`return ${returnId}`);
      const file = await returnLabelFile(app.db, { returnId }, request.query.format);
      // A carrier that keeps no files has only its own link: `labelUrl` in the return's view.
      if (!file || 'carrierUrl' in file) throw notFound(`a ${request.query.format} label for return ${returnId}`);
      return sendLabelFile(reply, file);
    },
  );
}

export default returns;
