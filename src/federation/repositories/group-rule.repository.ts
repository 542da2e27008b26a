import type { Queryable } from '../../db/database.js';

/** A group-mapping rule with its group's name (see migration 0011). */
export interface GroupRuleRow {
  id: string;
  provider: string;
  claim: string;
  value: string;
  group_id: string;
  group_name: string;
  created_at: Date;
}

const SELECT_RULES = `SELECT r.id, r.provider, r.claim, r.value, r.group_id, g.name AS group_name, r.created_at
  FROM federation_group_rules r JOIN groups g ON g.id = r.group_id`;

/** Adds a rule; undefined when the same (provider, claim, value, group) exists already. */
export async function insertGroupRule(db: Queryable, rule: { provider: string; claim: string; value: string; groupId: string }): Promise<GroupRuleRow | undefined> {
  const { rows } = await db.query<GroupRuleRow>(
    `WITH inserted AS (
       INSERT INTO federation_group_rules (provider, claim, value, group_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (provider, claim, value, group_id) DO NOTHING
       RETURNING id, provider, claim, value, group_id, created_at)
     SELECT i.id, i.provider, i.claim, i.value, i.group_id, g.name AS group_name, i.created_at
       FROM inserted i JOIN groups g ON g.id = i.group_id`,
    [rule.provider, rule.claim, rule.value, rule.groupId],
  );
  return rows[0];
}

/** Every rule, or one provider's, by provider, claim, value and group name. */
export async function listGroupRules(db: Queryable, provider?: string): Promise<GroupRuleRow[]> {
  const { rows } = await db.query<GroupRuleRow>(
    `${SELECT_RULES} WHERE ($1::text IS NULL OR r.provider = $1) ORDER BY r.provider, r.claim, r.value, g.name`,
    [provider ?? null],
  );
  return rows;
}

/** Deletes a rule by id; returns it, or undefined when there is none. */
export async function deleteGroupRuleById(db: Queryable, id: string): Promise<GroupRuleRow | undefined> {
  const { rows } = await db.query<GroupRuleRow>(
    `WITH deleted AS (DELETE FROM federation_group_rules WHERE id = $1 RETURNING id, provider, claim, value, group_id, created_at)
     SELECT d.id, d.provider, d.claim, d.value, d.group_id, g.name AS group_name, d.created_at
       FROM deleted d JOIN groups g ON g.id = d.group_id`,
    [id],
  );
  return rows[0];
}

/**
 * Adds the user to each group as granted by `provider`'s rules. A membership that exists already (granted
 * by hand, or by another provider's rules) is left as it is. Returns the names of the groups joined.
 */
export async function insertRuleGrantedMemberships(db: Queryable, userId: string, provider: string, groupIds: readonly string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const { rows } = await db.query<{ name: string }>(
    `WITH inserted AS (
       INSERT INTO group_members (group_id, user_id, granted_by_provider)
       SELECT g, $1, $2 FROM unnest($3::uuid[]) AS g
       ON CONFLICT (group_id, user_id) DO NOTHING
       RETURNING group_id)
     SELECT g.name FROM inserted i JOIN groups g ON g.id = i.group_id ORDER BY g.name`,
    [userId, provider, groupIds],
  );
  return rows.map((row) => row.name);
}

/** Withdraws the memberships `provider`'s rules granted the user, except in `keepGroupIds`; returns the groups' names. */
export async function deleteRuleGrantedMembershipsExcept(db: Queryable, userId: string, provider: string, keepGroupIds: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `DELETE FROM group_members m USING groups g
      WHERE g.id = m.group_id AND m.user_id = $1 AND m.granted_by_provider = $2 AND NOT (m.group_id = ANY($3::uuid[]))
      RETURNING g.name`,
    [userId, provider, keepGroupIds],
  );
  return rows.map((row) => row.name).sort();
}
