import { createHash } from 'node:crypto';
import { isStorableInstant } from '../../domain/clock';
import { ApiError } from '../errors';

/**
 * The ids a page ends on are letters, digits, "_", "-" and "." (a webhook delivery's `msg_….whsub_…`); the cursor's own
 * length bounds theirs. Nothing else reaches PostgreSQL from a cursor.
 */
const ENTITY_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * Which listing a cursor belongs to: the listing's name, who reads it and its filters (`limit` aside: a page size may change
 * between pages), hashed. A cursor carries its scope and is refused by any other listing or set of filters: a cursor of
 * `/orders?status=delivered` given to `/escalations`, or to `/orders?status=failed`, was read as a position in them.
 */
export function cursorScope(listing: string, reader: string, filters: Readonly<Record<string, unknown>>): string {
  const kept = Object.entries(filters)
    .filter(([key, value]) => key !== 'cursor' && key !== 'limit' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([listing, reader, kept]))
    .digest('base64url')
    .slice(0, 16);
}

/** Keyset pagination: the cursor is the (time, id) of the last item of a page, under its listing's scope; opaque to clients. */
export function encodeCursor(scope: string, at: Date, id: string): string {
  return Buffer.from(JSON.stringify([scope, at.toISOString(), id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, scope: string): { at: Date; id: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // falls through to the 400 below
  }
  if (Array.isArray(value) && value.length === 3 && value.every((part) => typeof part === 'string')) {
    const [issuedFor, iso, id] = value as [string, string, string];
    if (issuedFor !== scope) {
      throw new ApiError(400, 'validation_failed', 'the cursor is from another listing or other filters: ask for the first page again', [
        { path: 'query.cursor', message: 'a cursor of another listing or other filters' },
      ]);
    }
    const at = new Date(iso);
    // A forged cursor reaches PostgreSQL as it is: an instant it cannot store or an id with a NUL byte would be a 500.
    if (isStorableInstant(at.getTime()) && ENTITY_ID.test(id)) return { at, id };
  }
  throw new ApiError(400, 'validation_failed', 'the cursor is not a nextCursor this API gave', [
    { path: 'query.cursor', message: 'unknown cursor' },
  ]);
}

/**
 * The rows after a page's last, newest first by (createdAt, id): the condition a listing adds to its own filters. The
 * `lte` bound says nothing the OR does not, but PostgreSQL starts its index scan there: with the OR alone it read the
 * index from the newest row and filtered every row of the pages before (a page deep in 200,000 returns read them all).
 */
export function createdBefore(cursor: { at: Date; id: string } | undefined) {
  return cursor
    ? { createdAt: { lte: cursor.at }, OR: [{ createdAt: { lt: cursor.at } }, { createdAt: cursor.at, id: { lt: cursor.id } }] }
    : {};
}

/** A page from the `limit + 1` rows a listing read: the first `limit`, and the next page's cursor when there is more. */
export function keysetPage<R extends { createdAt: Date; id: string }>(
  rows: R[],
  limit: number,
  scope: string,
): { rows: R[]; nextCursor?: string } {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { rows: rows.slice(0, limit), ...(last ? { nextCursor: encodeCursor(scope, last.createdAt, last.id) } : {}) };
}
