import { isStorableInstant } from '../../domain/clock';
import { ApiError } from '../errors';

/**
 * The ids a page ends on are letters, digits, "_", "-" and "." (a webhook delivery's `msg_….whsub_…`); the cursor's own
 * length bounds theirs. Nothing else reaches PostgreSQL from a cursor.
 */
const ENTITY_ID = /^[A-Za-z0-9_.-]+$/;

/** Keyset pagination: the cursor is the (time, id) of the last item of a page, opaque to clients. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const at = new Date(value[0]);
      // A forged cursor reaches PostgreSQL as it is: an instant it cannot store or an id with a NUL byte would be a 500.
      if (isStorableInstant(at.getTime()) && ENTITY_ID.test(value[1])) return { at, id: value[1] };
    }
  } catch {
    // falls through to the 400 below
  }
  throw new ApiError(400, 'validation_failed', 'the cursor is not one this API issued', [
    { path: 'query.cursor', message: 'unknown cursor' },
  ]);
}

/** The rows after a page's last, newest first by (createdAt, id): the condition a listing adds to its own filters. */
export function createdBefore(cursor: { at: Date; id: string } | undefined) {
  return cursor ? { OR: [{ createdAt: { lt: cursor.at } }, { createdAt: cursor.at, id: { lt: cursor.id } }] } : {};
}

/** A page from the `limit + 1` rows a listing read: the first `limit`, and the next page's cursor when there is more. */
export function keysetPage<R extends { createdAt: Date; id: string }>(rows: R[], limit: number): { rows: R[]; nextCursor?: string } {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { rows: rows.slice(0, limit), ...(last ? { nextCursor: encodeCursor(last.createdAt, last.id) } : {}) };
}
