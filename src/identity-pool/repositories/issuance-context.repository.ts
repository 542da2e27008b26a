import type { Queryable } from '../../db/database.js';
import { rateLimitHitStatement } from '../../http/repositories/rate-limit.repository.js';
import { accessTokenLivenessColumns, type AccessTokenLiveness, type LivenessToken } from '../../oidc/repositories/access-token-liveness.repository.js';

/** Everything role resolution needs for one user. */
export interface ResolutionContextRow {
  groups: { name: string; precedence: number; role: string | null }[];
  default_role: string | null;
  ambiguous_role_resolution: 'deny' | 'default_role';
  rules: { position: number; claim: string; match_type: 'equals' | 'contains' | 'startsWith' | 'notEqual'; value: string; role_name: string }[];
  roles: { name: string; policy_template: string; max_duration_seconds: number }[];
}

/** The identity pool's view of a user: what role resolution, rules and policy variables read. */
export interface PoolUserRow {
  id: string;
  username: string | null;
  email: string | null;
  email_verified: boolean;
  phone_number: string | null;
  phone_number_verified: boolean;
  status: string;
  enabled: boolean;
  profile: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
}

/**
 * Everything one issuance reads: the token's liveness, the user (null when deleted), their groups, the pool's
 * resolution context, and the user's hourly count with this request in it (null when the token was dead at
 * the token's level, and nothing was counted).
 */
export interface IssuanceContextRow extends ResolutionContextRow, AccessTokenLiveness {
  user: PoolUserRow | null;
  rate: { count: number; resets_in: number } | null;
}

/** The token's parts its liveness is read by; an issuance is always a user's, through a grant. */
export type IssuanceToken = LivenessToken & { grantId: string; accountId: string };

/*
 * $1 user id (a UUID, checked with the token's claims), $2 grant id, $3 jti, $4 client id, $5 rate-limit key,
 * $6 window in seconds. The liveness columns and the counting statement are their owners' SQL (oidc-model and
 * rate-limit repositories), embedded so that the hot path is one round trip.
 */
const LIVENESS = accessTokenLivenessColumns({ accountId: '$1', grantId: '$2', jti: '$3', clientId: '$4' });
// Counted only for a token that is live at the token's level (grant, jti, client), so a revoked token cannot
// spend its user's quota; whether the user may act is the account-state rule's call, in JS, and a request it
// refuses gives its hit back (as every refusal after the count does).
const HIT = rateLimitHitStatement({ keys: 'SELECT $5::text FROM live WHERE live.grant_live AND NOT live.revoked AND live.client_exists', windowSeconds: '$6' });

/** The statement of countIssuanceAndFindContext, built once (the statement cache looks texts up by value). */
const COUNT_ISSUANCE_AND_FIND_CONTEXT = `WITH live AS (SELECT ${LIVENESS}),
        hit AS (${HIT})
   SELECT live.grant_live, live.revoked, live.user_enabled, live.user_status, live.client_exists,
     (SELECT json_build_object('id', u.id, 'username', u.username, 'email', u.email, 'email_verified', u.email_verified,
               'phone_number', u.phone_number, 'phone_number_verified', u.phone_number_verified, 'status', u.status,
               'enabled', u.enabled, 'profile', u.profile, 'custom_attributes', u.custom_attributes)
        FROM users u WHERE u.id = $1::uuid) AS "user",
     COALESCE((SELECT json_agg(json_build_object('name', g.name, 'precedence', g.precedence, 'role', g.role_name) ORDER BY g.precedence, g.name)
               FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1::uuid), '[]'::json) AS groups,
     s.default_role, s.ambiguous_role_resolution,
     COALESCE((SELECT json_agg(json_build_object('position', r.position, 'claim', r.claim, 'match_type', r.match_type, 'value', r.value, 'role_name', r.role_name) ORDER BY r.position)
               FROM role_mapping_rules r), '[]'::json) AS rules,
     COALESCE((SELECT json_agg(json_build_object('name', ro.name, 'policy_template', ro.policy_template, 'max_duration_seconds', ro.max_duration_seconds))
               FROM roles ro), '[]'::json) AS roles,
     (SELECT json_build_object('count', hit.count, 'resets_in', hit.resets_in) FROM hit) AS rate
   FROM pool_settings s CROSS JOIN live`;

/**
 * The issuance's one round trip (`POST /sts/credentials`, `POST /sts`): the access token's liveness, the user,
 * their groups (with roles, in precedence order), the pool's settings, rules and roles, and the per-user
 * hourly count, hit in a data-modifying CTE of the same statement (atomic per key, as `incrementRateLimits`).
 * The pool owns this read of the directory's tables because it is the pool's view of a user (no password
 * hash, no timestamps).
 */
export async function countIssuanceAndFindContext(db: Queryable, token: IssuanceToken, rate: { key: string; windowSeconds: number }): Promise<IssuanceContextRow> {
  const { rows } = await db.query<IssuanceContextRow>(
    COUNT_ISSUANCE_AND_FIND_CONTEXT,
    [token.accountId, token.grantId, token.jti, token.clientId, rate.key, rate.windowSeconds],
  );
  return rows[0]!;
}
