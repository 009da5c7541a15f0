import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IntakeHeadersSchema, LabelDocumentQuerySchema, OrderIdParamsSchema } from '../../../domain/api';
import {
  OrderReturnListQuerySchema,
  ReturnIdParamsSchema,
  ReturnListQuerySchema,
  ReturnListSchema,
  ReturnRequestSchema,
  ReturnStatusResponseSchema,
  ReturnViewSchema,
} from '../../../domain/returns';
import { notFound } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { returnLabelFile } from '../../services/return-label';
import {
  listReturns,
  acceptedOnly,
  mayReadReturnOf,
  readReturn,
  type ReturnDeps,
  returnDepsOf,
  returnWorkflowEnd,
  startReturn,
  sweepUnstartedReturns,
} from '../../services/returns';
import { LabelFileSchema, sendLabelFile } from '../label-file';
import { errorResponses } from '../responses';
import { inspectionRoute } from './inspection';
import type { RoutesApp } from '../route-app';

/**
 * Returns (RMA): shops (their own orders) and ops start them; anyone who may read the order reads
 * them; ops record the warehouse's inspection, which ends the return's workflow with the stock moved
 * and the refund due. The customer's way in is the tracking page (routes/pages).
 */

const returns: FastifyPluginAsyncZod = async (app) => {
  const deps = returnDepsOf(app);
  scheduleReturnSweep(app, deps);
  startReturnRoute(app, deps);
  returnListRoutes(app);
  readReturnRoute(app);
  returnLabelRoute(app);
  inspectionRoute(app, deps);
};

/** The sweep of returns left unstarted: a second after the API is ready, then ten seconds after each pass, until it closes. */
function scheduleReturnSweep(app: RoutesApp, deps: ReturnDeps): void {
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
}

function startReturnRoute(app: RoutesApp, deps: ReturnDeps): void {
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
}

function readReturnRoute(app: RoutesApp): void {
  app.get(
    '/returns/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['returns'],
        summary: 'A return',
        description:
          "Read from the return's row. A return whose row is not final while its workflow has ended in Temporal (terminated, " +
          'say) or is no longer known to it (deleted) carries `workflowEnded`, as `GET /orders/{id}` does: how, when, and what ' +
          'ops can do (the reset command; a deleted one cannot be reset).',
        params: ReturnIdParamsSchema,
        response: { 200: ReturnStatusResponseSchema, ...errorResponses({ key: true, notFound: true }) },
      },
    },
    async (request) => {
      const row = await app.db.return.findUnique({
        where: { id: request.params.id },
        select: { status: true, workflowId: true, startedAt: true, closedAt: true, order: { select: { shopId: true } } },
      });
      if (!row || !mayReadReturnOf(request.principal, row.order.shopId)) throw notFound(`return ${request.params.id}`);
      const view = await readReturn(app.db, request.params.id);
      if (!view) throw notFound(`return ${request.params.id}`);
      const workflowEnded = await returnWorkflowEnd(app.temporal, app.config.workflowCallTimeoutMs, row);
      return workflowEnded ? { ...view, workflowEnded } : view;
    },
  );
}

/** An order's returns (its shop or ops), and every return newest first, page by page (ops). */
function returnListRoutes(app: RoutesApp): void {
  app.get(
    '/orders/:id/returns',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['returns'],
        summary: "An order's returns",
        description:
          'Newest first, in pages of `limit` (1–200, default 200); the next page with `cursor` set to the `nextCursor` of the one before.',
        params: OrderIdParamsSchema,
        querystring: OrderReturnListQuerySchema,
        response: { 200: ReturnListSchema, ...errorResponses({ key: true, notFound: true }) },
      },
    },
    async (request) => {
      // An order accepted whose journey has not recorded it yet is shown (GET /orders/{id}: `received`): it has no returns.
      const order =
        (await app.db.order.findUnique({ where: { id: request.params.id }, select: { shopId: true } })) ??
        (await acceptedOnly(app.db, request.params.id));
      if (!order || !mayReadReturnOf(request.principal, order.shopId)) throw notFound(`order ${request.params.id}`);
      return listReturns(app.db, { orderId: request.params.id }, request.query.limit, request.query.cursor);
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
          'Newest first; `status=received` lists the parcels waiting for inspection at a warehouse; `open=true` every return not ' +
          'ended yet (requested, its label issued and not yet handed to the carrier, on its way back, at the warehouse), ' +
          "`open=false` those ended; `orderId` one order's. `status` and `open` are not given together." +
          ' Pages of `limit` (1–200, default 50); the next page with `cursor` set to the `nextCursor` of the one before, under the same filters (a cursor of another listing or of other filters is a 400).',
        querystring: ReturnListQuerySchema,
        response: { 200: ReturnListSchema, ...errorResponses({ key: true }) },
      },
    },
    async (request) => {
      const { status, open, orderId, limit, cursor } = request.query;
      const filter = { ...(status ? { status } : {}), ...(open === undefined ? {} : { open }), ...(orderId ? { orderId } : {}) };
      return listReturns(app.db, filter, limit, cursor);
    },
  );
}

/** The return label's files, for the shop or ops to print or pass on (the customer's way: routes/pages/return-label.ts). */
function returnLabelRoute(app: RoutesApp): void {
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
