import { ApiError } from '../errors';

/** Keyset pagination: the cursor is the (time, id) of the last item of a page, opaque to clients. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const at = new Date(value[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: value[1] };
    }
  } catch {
    // falls through to the 400 below
  }
  throw new ApiError(400, 'validation_failed', 'the cursor is not one this API issued', [
    { path: 'query.cursor', message: 'unknown cursor' },
  ]);
}
