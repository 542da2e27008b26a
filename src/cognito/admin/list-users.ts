import { isUuid } from '../../lib/uuid.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import { InvalidRequestError } from '../../errors/app-error.js';
import type { CognitoOperation } from '../cognito-operation.js';
import { listUsersRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { presentCognitoUser } from './cognito-user.presenter.js';
import { parseUserFilter } from './list-users-filter.js';

const DEFAULT_LIMIT = 60;
/** Rows read per search, and at most per call: a filter the directory cannot narrow pages through the users. */
const BATCH = 100;
const MAX_SCANNED = 1000;

type Position = { createdAt: Date; id: string };

const encodeToken = (p: Position) => Buffer.from(JSON.stringify([p.createdAt.toISOString(), p.id])).toString('base64url');
function decodeToken(token: string): Position {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && isUuid(id) && !Number.isNaN(Date.parse(createdAt))) return { createdAt: new Date(createdAt), id };
  } catch {
    // fall through
  }
  throw new InvalidRequestError('Invalid pagination token', [{ path: 'PaginationToken', message: 'is not a token ListUsers gave' }]);
}

/**
 * ListUsers: the directory's users oldest first, narrowed by Cognito's Filter, in pages of Limit (60 at most)
 * with a PaginationToken (a keyset position, so pages neither repeat nor skip users while others sign up). A page
 * may hold fewer users than Limit and still carry a token when the filter matched few of the users it read.
 */
export function listUsers(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, listUsersRequest, async (input) => {
    const filter = parseUserFilter(input.Filter);
    const limit = input.Limit || DEFAULT_LIMIT;
    const present = (user: UserRow) => presentCognitoUser(user, input.AttributesToGet);
    if (filter.sub !== undefined) {
      const user = isUuid(filter.sub) ? await deps.users.findById(filter.sub) : undefined;
      return { Users: user ? [present(user)] : [] };
    }
    let after = input.PaginationToken ? decodeToken(input.PaginationToken) : undefined;
    const found: UserRow[] = [];
    let scanned = 0;
    let exhausted = false;
    while (found.length < limit && scanned < MAX_SCANNED) {
      const rows = await deps.userSearch.search({ ...filter.query, after, limit: BATCH });
      let consumed = 0;
      for (const row of rows) {
        consumed += 1;
        after = { createdAt: row.created_at, id: row.id };
        if (filter.matches(row)) found.push(row);
        if (found.length === limit) break;
      }
      scanned += consumed;
      if (rows.length < BATCH && consumed === rows.length) {
        exhausted = true;
        break;
      }
    }
    return { Users: found.map(present), ...(!exhausted && after ? { PaginationToken: encodeToken(after) } : {}) };
  });
}
