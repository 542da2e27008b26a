import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import type { GroupService } from '../directory/group-service.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import type { Logger } from '../lib/logger.js';
import { CLAIM_NAME, claimDeferred, claimMatches, MAX_RULE_VALUE } from './group-rule-match.js';
import type { ProviderRegistry } from './provider-types.js';
import * as repo from './repositories/group-rule.repository.js';
import type { UpstreamClaims } from './upstream-policy.js';

/** A group-mapping rule as shown to administrators. */
export interface PresentedGroupRule {
  id: string;
  provider: string;
  claim: string;
  value: string;
  group: string;
  created_at: string;
}

export interface GroupRuleInput {
  provider: string;
  claim: string;
  value: string;
  /** The local group's name. */
  group: string;
}

export interface GroupMapping {
  /** Adds a rule; the provider and the group must exist, and the same rule must not (ConflictError). */
  addRule(input: GroupRuleInput): Promise<PresentedGroupRule>;
  /** Every rule, or one provider's. */
  listRules(provider?: string): Promise<PresentedGroupRule[]>;
  /** One provider's rules; NotFoundError when there is no such provider (stored or configured in the environment). */
  rulesOf(provider: string): Promise<PresentedGroupRule[]>;
  /**
   * Removes a rule by id (NotFoundError when there is none, or when `provider` is given and the rule is
   * another provider's). Memberships it granted go at the next sign-in.
   */
  removeRule(id: string, options?: { provider?: string }): Promise<PresentedGroupRule>;
  /** Removes the rule with exactly these provider, claim, value and group. */
  removeMatchingRule(input: GroupRuleInput): Promise<PresentedGroupRule>;
  /**
   * At a federated sign-in through `provider`, in one transaction: adds the user to the groups whose rules
   * the validated claims match, and withdraws the memberships this provider's rules granted earlier that
   * they no longer match. Memberships granted by hand (or by another provider's rules) are never touched.
   */
  applyOnSignIn(userId: string, provider: string, claims: UpstreamClaims): Promise<{ granted: number; withdrawn: number }>;
}

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** A rule's audit event: which rule (its provider, claim, value and group are configuration, not secrets). */
function recordRuleChange(tx: Queryable, action: 'added' | 'removed', rule: repo.GroupRuleRow): Promise<void> {
  return recordAudit(tx, { type: 'provider.rule_changed', details: { action, provider: rule.provider, claim: rule.claim, value: rule.value, group: rule.group_name } });
}

function present(row: repo.GroupRuleRow): PresentedGroupRule {
  return { id: row.id, provider: row.provider, claim: row.claim, value: row.value, group: row.group_name, created_at: row.created_at.toISOString() };
}

/**
 * Maps upstream claims to local groups (Cognito's and Keycloak's "IdP mappers"). A membership a rule granted
 * records the provider whose rules granted it, so that rules can withdraw it later without ever touching
 * one an administrator granted: `latchkey group add-user` turns a rule-granted membership into a
 * hand-granted one.
 */
export function createGroupMapping(deps: { db: Database; groups: Pick<GroupService, 'list'>; registry: Pick<ProviderRegistry, 'buttons'>; logger?: Logger }): GroupMapping {
  const { db } = deps;

  function validate(input: GroupRuleInput): void {
    const problems: { path: string; message: string }[] = [];
    if (!PROVIDER_NAME.test(input.provider)) problems.push({ path: 'provider', message: 'must be a provider name: a lower-case letter, then lower-case letters, digits or - (1-32)' });
    if (!CLAIM_NAME.test(input.claim)) problems.push({ path: 'claim', message: 'must be a claim name: letters, digits and _ : . / - (1-128), starting with a letter or _' });
    if (input.value.length < 1 || input.value.length > MAX_RULE_VALUE || CONTROL_CHARACTER.test(input.value)) {
      problems.push({ path: 'value', message: `must be 1-${MAX_RULE_VALUE} characters without control characters` });
    }
    if (problems.length) throw new InvalidRequestError('invalid group rule', problems);
  }

  async function groupIdOf(name: string): Promise<string> {
    const group = (await deps.groups.list()).find((g) => g.name === name);
    if (!group) throw new NotFoundError(`no group "${name}"; create it with \`latchkey group create\``);
    return group.id;
  }

  function removeById(id: string, provider?: string): Promise<repo.GroupRuleRow | undefined> {
    return db.transaction(async (tx) => {
      const row = await repo.deleteGroupRuleById(tx, id);
      // Another provider's rule named under this one's path: throwing rolls the deletion back.
      if (row && provider !== undefined && row.provider !== provider) throw new NotFoundError(`no group rule "${id}" for provider "${provider}"`);
      if (row) await recordRuleChange(tx, 'removed', row);
      return row;
    });
  }

  async function requireProvider(name: string): Promise<void> {
    // Environment-configured providers (google, microsoft, apple) count: they have buttons but no row.
    if (!(await deps.registry.buttons()).some((button) => button.name === name)) {
      throw new NotFoundError(`no provider "${name}"; add it with \`latchkey provider add\` or configure it in the environment`);
    }
  }

  return {
    async addRule(input) {
      validate(input);
      await requireProvider(input.provider);
      const groupId = await groupIdOf(input.group);
      const added = await db.transaction(async (tx) => {
        const row = await repo.insertGroupRule(tx, { provider: input.provider, claim: input.claim, value: input.value, groupId });
        if (row) await recordRuleChange(tx, 'added', row);
        return row;
      });
      if (!added) throw new ConflictError(`the rule ${input.provider} ${input.claim}=${input.value} → ${input.group} exists already`);
      return present(added);
    },

    listRules: async (provider) => (await repo.listGroupRules(db, provider)).map(present),

    async rulesOf(provider) {
      await requireProvider(provider);
      return (await repo.listGroupRules(db, provider)).map(present);
    },

    async removeRule(id, options = {}) {
      const removed = UUID.test(id) ? await removeById(id, options.provider) : undefined;
      if (!removed) throw new NotFoundError(`no group rule "${id}"`);
      return present(removed);
    },

    async removeMatchingRule(input) {
      validate(input);
      const rule = (await repo.listGroupRules(db, input.provider)).find((r) => r.claim === input.claim && r.value === input.value && r.group_name === input.group);
      const removed = rule ? await removeById(rule.id) : undefined;
      if (!removed) throw new NotFoundError(`no rule ${input.provider} ${input.claim}=${input.value} → ${input.group}`);
      return present(removed);
    },

    async applyOnSignIn(userId, provider, claims) {
      const result = await db.transaction(async (tx) => {
        const rules = await repo.listGroupRules(tx, provider);
        const matched = [...new Set(rules.filter((rule) => claimMatches(claims, rule.claim, rule.value)).map((rule) => rule.group_id))];
        // A claim the token defers to another source (Entra's group overage) is unknown, not empty: keep.
        const undecided = rules.filter((rule) => claimDeferred(claims, rule.claim)).map((rule) => rule.group_id);
        const granted = await repo.insertRuleGrantedMemberships(tx, userId, provider, matched);
        const withdrawn = await repo.deleteRuleGrantedMembershipsExcept(tx, userId, provider, [...matched, ...undecided]);
        for (const group of granted) await recordAudit(tx, { type: 'group.member_added', subjectId: userId, details: { group, provider, by_rule: true } });
        for (const group of withdrawn) await recordAudit(tx, { type: 'group.member_removed', subjectId: userId, details: { group, provider, by_rule: true } });
        return { granted: granted.length, withdrawn: withdrawn.length };
      });
      if (result.granted || result.withdrawn) deps.logger?.info({ event: 'federation.groups_mapped', provider, userId, ...result }, 'group memberships mapped from upstream claims');
      return result;
    },
  };
}
