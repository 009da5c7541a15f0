import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  type CarrierClaim,
  CarrierClaimListSchema,
  CarrierClaimSchema,
  CLAIM_NEXT_STATUSES,
  ClaimIdParamsSchema,
  ClaimListQuerySchema,
  type ClaimStatusChange,
  ClaimStatusChangeSchema,
} from '../../../domain/claims';
import { OptionalIdempotencyHeadersSchema } from '../../../domain/api';
import type { CarrierClaim as ClaimRow } from '../../../prisma/generated/client';
import { ApiError, notFound } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { createdBefore, cursorScope, decodeCursor, keysetPage } from '../../services/cursor';
import { runOpsAction } from '../../services/ops-actions';
import { errorResponses } from '../responses';

/** Carrier claims for re-shipped parcels: ops list them and record where each stands with its carrier. */
const claims: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/claims',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['claims'],
        summary: 'List carrier claims',
        description:
          'Newest first. Filters: status, orderId, carrierCode. One claim per parcel re-shipped after its carrier had it.' +
          ' Pages of `limit` (1–200, default 50); the next page with `cursor` set to the `nextCursor` of the one before, under the same filters (a cursor of another listing or of other filters is a 400).',
        querystring: ClaimListQuerySchema,
        response: { 200: CarrierClaimListSchema, ...errorResponses({ key: true }) },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = cursorScope('claims', 'ops', q);
      const after = createdBefore(q.cursor === undefined ? undefined : decodeCursor(q.cursor, scope));
      const rows = await app.db.carrierClaim.findMany({
        where: {
          AND: [
            {
              ...(q.status ? { status: q.status } : {}),
              ...(q.orderId ? { orderId: q.orderId } : {}),
              ...(q.carrierCode ? { carrierCode: q.carrierCode } : {}),
            },
            after,
          ],
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const page = keysetPage(rows, q.limit, scope);
      return { items: page.rows.map(claimRecord), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  );

  app.get(
    '/claims/:id',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['claims'],
        summary: 'One carrier claim',
        params: ClaimIdParamsSchema,
        response: { 200: CarrierClaimSchema, ...errorResponses({ key: true, notFound: true }) },
      },
    },
    async (request) => {
      const row = await app.db.carrierClaim.findUnique({ where: { id: request.params.id } });
      if (!row) throw notFound(`claim ${request.params.id}`);
      return claimRecord(row);
    },
  );

  app.post(
    '/claims/:id/status',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['claims'],
        summary: "Record a claim's progress with its carrier",
        description:
          'open → submitted → paid or refused; open or submitted → withdrawn when the parcel turned up after all (the carrier ' +
          'brought it back: Colis withdraws a claim not filed yet itself). The key that moves it is recorded. Asking for the status the claim already has ' +
          'answers it unchanged (a repeated request; with a note other than the one recorded, 409 `claim_state_conflict`); any other move the claim cannot make answers 409 `claim_state_conflict`. ' +
          'Recorded as an ops action of the calling key; an Idempotency-Key makes a retry safe (another body under the same key, 409).',
        params: ClaimIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: ClaimStatusChangeSchema,
        response: { 200: CarrierClaimSchema, ...errorResponses({ key: true, body: true, notFound: true, conflict: true }) },
      },
    },
    async (request, reply) => {
      const claimId = request.params.id;
      const actor = principalOf(request).name;
      const { body, replayed } = await runOpsAction(
        app.db,
        { actor, action: 'move_claim', targetId: claimId, idempotencyKey: request.headers['idempotency-key'], request: request.body },
        () => moveClaim(claimId, request.body, actor),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      else request.log.info({ claimId, status: body.status, actor }, 'carrier claim moved');
      return body;
    },
  );

  const moveClaim = async (claimId: string, { status, note }: ClaimStatusChange, by: string): Promise<CarrierClaim> => {
    const row = await app.db.$transaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ status: ClaimRow['status'] }[]>`
        SELECT "status"::text AS "status" FROM "CarrierClaim" WHERE "id" = ${claimId} FOR UPDATE`;
      if (!current) throw notFound(`claim ${claimId}`);
      if (current.status === status) return sameMove(await tx.carrierClaim.findUniqueOrThrow({ where: { id: claimId } }), note);
      const next = CLAIM_NEXT_STATUSES[current.status];
      if (!next.includes(status)) {
        throw new ApiError(
          409,
          'claim_state_conflict',
          `claim ${claimId} is ${current.status}: it can move to ${next.length > 0 ? next.join(' or ') : 'nothing (final)'}, not ${status}`,
          [{ path: 'body.status', message: `allowed from ${current.status}: ${next.join(', ') || 'none'}` }],
        );
      }
      return tx.carrierClaim.update({ where: { id: claimId }, data: { status, updatedBy: by, ...(note ? { note } : {}) } });
    });
    return claimRecord(row);
  };
};

/**
 * The claim already has the status asked for: a repeat, answered unchanged. A note it does not hold is no repeat: a note is
 * kept with the move it explains, and answering 200 while dropping it told the caller it was recorded (probe8).
 */
function sameMove(row: ClaimRow, note: string | undefined): ClaimRow {
  if (note === undefined || note === row.note) return row;
  throw new ApiError(
    409,
    'claim_state_conflict',
    `claim ${row.id} is already ${row.status} (moved by ${row.updatedBy}): a note is recorded with a move, and this one was not kept`,
    [{ path: 'body.note', message: `differs from the note of the move to ${row.status}` }],
  );
}

function claimRecord(row: ClaimRow): CarrierClaim {
  return {
    claimId: row.id,
    orderId: row.orderId,
    shipmentId: row.shipmentId,
    carrierCode: row.carrierCode,
    trackingNumber: row.trackingNumber,
    reason: row.reason,
    amountCents: row.amountCents,
    currency: row.currency,
    status: row.status,
    nextStatuses: [...CLAIM_NEXT_STATUSES[row.status]],
    updatedBy: row.updatedBy,
    ...(row.note ? { note: row.note } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export default claims;
