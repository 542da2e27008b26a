import { z } from 'zod';
import { InvalidRequestError } from '../../errors/app-error.js';
import { isUuid } from '../../lib/uuid.js';

/** The admin API's one error envelope (see `http/error-surfaces/admin-json.ts`). */
export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('stable error code from the error catalogue'),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    request_id: z.string(),
  }),
});

export const pageLimit = z.coerce.number().int().min(1).max(200).default(50).describe('page size (1-200, default 50)');

export const cursorParam = z.string().max(200).regex(/^[\w-]+$/, 'not a cursor').optional().describe('the `next_cursor` of the previous page');

/** An opaque keyset cursor: a position in a stable order, so pages neither repeat nor skip under concurrent inserts. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** What one position of a cursor must be: `time` an ISO instant, `uuid` an id (both go into typed comparisons). */
export type CursorPart = 'string' | 'number' | 'uuid' | 'time';

const fits: Record<CursorPart, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  uuid: (v) => typeof v === 'string' && isUuid(v),
  time: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
};

/** The positions a cursor holds, each checked against `shape`; a cursor this API did not issue is a 400. */
export function decodeCursor(cursor: string, shape: readonly CursorPart[]): (string | number)[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || value.length !== shape.length || value.some((v, i) => !fits[shape[i]!](v))) {
    throw new InvalidRequestError('cursor: not a cursor this list issued', [{ path: 'cursor', message: 'not a cursor this list issued' }]);
  }
  return value as (string | number)[];
}

/** A user reference in a path: id, username or e-mail. */
export const userRef = z.object({ user: z.string().min(1).max(254).describe('user id, username or e-mail address') });
