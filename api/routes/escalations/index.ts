import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Prisma } from '../../../prisma/generated/client';
import {
  ErrorResponseSchema,
  EscalationIdParamsSchema,
  EscalationListQuerySchema,
  EscalationListSchema,
  ResolvedEscalationSchema,
  ResolveEscalationBodySchema,
} from '../../../domain/api';
import { DECISIONS_BY_REASON } from '../../../domain/lifecycle';
import { ids } from '../../../domain/ids';
import { returnIds } from '../../../domain/return-policy';
import { resolveEscalationUpdate } from '../../../workflows/definitions';
import { ApiError, notFound } from '../../errors';
import { decodeCursor, encodeCursor } from '../../services/cursor';
import { escalationRecord } from '../../services/views';
import { describeWorkflow, updateFailureToApiError, withinDeadline } from '../../services/workflows';

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  409: ErrorResponseSchema,
};

const escalations: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/escalations',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['escalations'],
        summary: 'List escalations',
        description: 'Newest first. Filters: open, severity, reason, orderId. Each item lists the decisions its reason allows.',
        querystring: EscalationListQuerySchema,
        response: { 200: EscalationListSchema, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const where: Prisma.EscalationWhereInput = {
        ...(q.open === undefined ? {} : { status: q.open ? 'open' : 'resolved' }),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.orderId ? { orderId: q.orderId } : {}),
      };
      const page = await app.db.escalation.findMany({
        where: cursor ? { AND: [where, { OR: [{ openedAt: { lt: cursor.at } }, { openedAt: cursor.at, id: { lt: cursor.id } }] }] } : where,
        orderBy: [{ openedAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const last = page.length > q.limit ? page[q.limit - 1] : undefined;
      return { items: page.slice(0, q.limit).map(escalationRecord), ...(last ? { nextCursor: encodeCursor(last.openedAt, last.id) } : {}) };
    },
  );

  app.post(
    '/escalations/:id/resolve',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['escalations'],
        summary: 'Resolve an escalation',
        description:
          'Answers the workflow that opened it (the shipment, else the order) through its `resolveEscalation` update. ' +
          'The decision must be one the escalation allows (`allowedDecisions`); a resolved escalation answers 409; one whose workflow ' +
          'does not hold it open yet (it stores the row a moment before) answers 503 with `Retry-After: 1`.',
        params: EscalationIdParamsSchema,
        body: ResolveEscalationBodySchema,
        response: { 200: ResolvedEscalationSchema, ...errors, 503: ErrorResponseSchema },
      },
    },
    async (request) => {
      const escalationId = request.params.id;
      const escalation = await app.db.escalation.findUnique({ where: { id: escalationId } });
      if (!escalation) throw notFound(`escalation ${escalationId}`);
      if (escalation.status === 'resolved') {
        throw new ApiError(
          409,
          'escalation_resolved',
          `escalation ${escalationId} was already resolved (${escalation.decision ?? 'no decision'})`,
        );
      }
      const allowed = DECISIONS_BY_REASON[escalation.reason];
      if (!allowed.includes(request.body.decision)) {
        throw new ApiError(400, 'validation_failed', `a ${escalation.reason} escalation cannot be answered with ${request.body.decision}`, [
          { path: 'body.decision', message: `allowed: ${allowed.join(', ')}` },
        ]);
      }
      const workflowId = escalation.returnId
        ? returnIds.workflowId(escalation.returnId)
        : escalation.shipmentId
          ? ids.shipmentWorkflowId(escalation.shipmentId)
          : ids.orderWorkflowId(escalation.orderId);
      const description = await describeWorkflow(app.temporal, workflowId);
      if (description?.status.name !== 'RUNNING') {
        throw new ApiError(
          409,
          'order_state_conflict',
          `the workflow ${workflowId} that opened escalation ${escalationId} is no longer running`,
        );
      }
      try {
        const view = await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
          app.temporal.workflow.getHandle(workflowId).executeUpdate(resolveEscalationUpdate, {
            args: [{ escalationId, ...request.body }],
            updateId: `resolve-${escalationId}-${request.body.decision}`,
          }),
        );
        request.log.info({ escalationId, decision: request.body.decision, workflowId }, 'escalation resolved');
        return { ...view, workflowId };
      } catch (error) {
        throw updateFailureToApiError(error, `resolving escalation ${escalationId}`) ?? error;
      }
    },
  );
};

export default escalations;
