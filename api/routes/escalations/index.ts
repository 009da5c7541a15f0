import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Prisma } from '../../../prisma/generated/client';
import {
  EscalationIdParamsSchema,
  OptionalIdempotencyHeadersSchema,
  EscalationListQuerySchema,
  EscalationListSchema,
  ResolvedEscalationSchema,
  ResolveEscalationBodySchema,
} from '../../../domain/api';
import { principalOf } from '../../plugins/app/auth';
import { cursorScope, decodeCursor, encodeCursor } from '../../services/cursor';
import { answerEscalation } from '../../services/escalation-answers';
import { runOpsAction } from '../../services/ops-actions';
import { escalationRecord } from '../../services/views';
import { errorResponses } from '../responses';

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
        response: { 200: EscalationListSchema, ...errorResponses({ key: true }) },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = cursorScope('escalations', 'ops', q);
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, scope);
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
      return {
        items: page.slice(0, q.limit).map(escalationRecord),
        ...(last ? { nextCursor: encodeCursor(scope, last.openedAt, last.id) } : {}),
      };
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
          'Answers the workflow that opened it (the shipment, else the order) through its `resolveEscalation` update, recorded as ' +
          "made by the calling key's name. The decision must be one the escalation allows (`allowedDecisions`). Of concurrent answers " +
          'exactly one is applied; the others, and any answer to a resolved escalation, get 409 `escalation_resolved` naming the ' +
          'winning decision in `details`. An answer meeting another still being applied waits for it: named once applied, taken in its ' +
          'place if it was refused; still pending at the call\'s deadline, a 409 `order_state_conflict` "being answered: try again" ' +
          'that leaves the Idempotency-Key free. While the same workflow acts on an answer to another of its escalations (a reship, refund or ' +
          'cancel, or a wait that ends a shipment whose parcel the carrier reports lost or returned), this answer gets 409 ' +
          '`order_state_conflict` naming that escalation and its decision; nothing is recorded, read the escalations again. ' +
          'An Idempotency-Key makes a retry safe: same key and body, the same answer; another body, 409. ' +
          'An escalation its workflow does not hold open yet (the row is stored a moment before) is retried for a few seconds, then 503.',
        params: EscalationIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: ResolveEscalationBodySchema,
        response: {
          200: ResolvedEscalationSchema,
          ...errorResponses({ key: true, body: true, notFound: true, conflict: true, unavailable: true }),
        },
      },
    },
    async (request, reply) => {
      const escalationId = request.params.id;
      const actor = principalOf(request).name;
      const { body, replayed } = await runOpsAction(
        app.db,
        {
          actor,
          action: 'resolve_escalation',
          targetId: escalationId,
          idempotencyKey: request.headers['idempotency-key'],
          request: request.body,
        },
        (actionId) =>
          answerEscalation(
            { db: app.db, temporal: app.temporal, callTimeoutMs: app.config.workflowCallTimeoutMs },
            { escalationId, decision: request.body.decision, ...(request.body.note ? { note: request.body.note } : {}), actor, actionId },
          ),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      else request.log.info({ escalationId, decision: body.decision, actor, workflowId: body.workflowId }, 'escalation resolved');
      return body;
    },
  );
};

export default escalations;
