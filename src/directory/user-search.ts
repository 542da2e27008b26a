import type { Database } from '../db/database.js';
import { normalizeIdentifier } from './normalize.js';
import { PROFILE_CLAIMS } from './attributes.js';
import type { UserRow } from './repositories/user.repository.js';
import { countUsersByState, searchUsers } from './repositories/user-search.repository.js';

export interface UserSearchQuery {
  /** Start of a username or e-mail address, as typed (normalised here as lookups are). */
  q?: string | undefined;
  email?: string | undefined;
  username?: string | undefined;
  /** `name=value`: a custom attribute (`custom:name` or `name`) or a standard profile claim. */
  attribute?: { name: string; value: string } | undefined;
  status?: UserRow['status'] | undefined;
  enabled?: boolean | undefined;
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Searching the directory for administrators (admin API, console). */
export interface UserSearch {
  search(query: UserSearchQuery): Promise<UserRow[]>;
  counts(): ReturnType<typeof countUsersByState>;
}

export function createUserSearch(deps: { db: Database }): UserSearch {
  return {
    search(query) {
      const name = query.attribute?.name;
      const custom = name !== undefined && !(PROFILE_CLAIMS as readonly string[]).includes(name);
      return searchUsers(deps.db, {
        prefix: query.q !== undefined ? normalizeIdentifier(query.q) : undefined,
        email: query.email !== undefined ? normalizeIdentifier(query.email) : undefined,
        username: query.username !== undefined ? normalizeIdentifier(query.username) : undefined,
        attribute: query.attribute && { name: query.attribute.name.replace(/^custom:/, ''), value: query.attribute.value, custom },
        status: query.status,
        enabled: query.enabled,
        after: query.after,
        limit: query.limit,
      });
    },
    counts: () => countUsersByState(deps.db),
  };
}
