import { describe, expect, it } from 'vitest';
import { toApiError } from '../../api/errors';
import { Prisma } from '../../prisma/generated/client';

/** A PostgreSQL error as Prisma's pg adapter passes it on when it maps the SQLSTATE to none of its kinds (P2039; P2010 raw). */
function serverError(code: 'P2039' | 'P2010', sqlState: string, message: string) {
  return new Prisma.PrismaClientKnownRequestError(`Database error. Code: \`${sqlState}\`. Message: \`${message}\``, {
    code,
    clientVersion: Prisma.prismaVersion.client,
    meta: {
      modelName: 'Sku',
      driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: sqlState, originalMessage: message, kind: 'postgres' } },
    },
  });
}

describe('PostgreSQL errors the API answers', () => {
  // Seen on `npm start` after a kill -9 of PostgreSQL: for the seconds it replayed its log, POST /orders and the carriers'
  // webhooks were answered 500 "internal" (logged as unhandled errors), not 503 with Retry-After like any other outage.
  it('a server starting up, shutting down or dropping the connection is a 503 with Retry-After', () => {
    for (const [sqlState, message] of [
      ['57P03', 'the database system is starting up'],
      ['57P03', 'the database system is not yet accepting connections'],
      ['57P01', 'terminating connection due to administrator command'],
      ['08006', 'connection failure'],
    ] as const) {
      for (const code of ['P2039', 'P2010'] as const) {
        const answer = toApiError(serverError(code, sqlState, message));
        expect(answer?.statusCode, `${code} ${sqlState}`).toBe(503);
        expect(answer?.code).toBe('unavailable');
        expect(answer?.headers?.['retry-after']).toBeDefined();
      }
    }
  });

  it('any other PostgreSQL error stays unknown (a bug: 500)', () => {
    expect(toApiError(serverError('P2039', '23514', 'new row violates check constraint'))).toBeUndefined();
  });
});
