import { recordAudit } from '../audit/record-audit.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import type { Database, Queryable } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { MIN_DURATION_SECONDS } from './credential-service.js';
import { validatePolicyTemplate } from './policy-template.js';
import * as pool from './repositories/pool.repository.js';
import * as roles from './repositories/role.repository.js';

/** A role's name: letters, digits and . _ - (1-64), starting with a letter or digit. */
export const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_RULES = 25;
export const MATCH_TYPES = ['equals', 'contains', 'startsWith', 'notEqual'] as const;

export interface PresentedRole {
  name: string;
  description: string;
  max_duration_seconds: number;
  policy: unknown;
  created_at: string;
}

/** What a role deletion took the role off (all empty when nothing used it). */
export interface DetachedFromRole {
  groups: string[];
  rule_positions: number[];
  default_role: boolean;
}

export interface RoleService {
  /** Creates a role; a 409 when one of that name exists (`role update` changes it: create never overwrites). */
  createRole(input: { name: string; policy: string; maxDurationSeconds?: number; description?: string }): Promise<PresentedRole & { created: true }>;
  /** Changes a role's policy, maximum duration or description (only those given); 404 for an unknown role. */
  updateRole(name: string, changes: { policy?: string; maxDurationSeconds?: number; description?: string }): Promise<PresentedRole>;
  listRoles(): Promise<PresentedRole[]>;
  /** One role; NotFoundError when there is none. */
  getRole(name: string): Promise<PresentedRole>;
  /**
   * Deletes a role. While groups, pool rules or the pool's default role use it, refuses with a 409 naming
   * them, unless `force`: then groups lose the role, its rules are removed (later rules move up) and the
   * default role is cleared, in one transaction, and the result says what was detached.
   */
  deleteRole(name: string, options?: { force?: boolean }): Promise<DetachedFromRole>;
  poolSettings(): Promise<pool.PoolSettingsRow & { rules: pool.RuleRow[] }>;
  setDefaultRole(name: string | null): Promise<pool.PoolSettingsRow>;
  setAmbiguousRoleResolution(mode: string): Promise<pool.PoolSettingsRow>;
  /** The role of the identity pool's guest identities (Cognito's unauthenticated role); null refuses guests. */
  setGuestRole(name: string | null): Promise<{ guest_role: string | null }>;
  /** The guest role's name; null while guests are refused. */
  guestRole(): Promise<string | null>;
  addRule(input: { claim: string; match: string; value: string; role: string; position?: number }): Promise<pool.RuleRow[]>;
  removeRule(position: number): Promise<pool.RuleRow[]>;
  /**
   * Replaces the ordered rules, the default role and the ambiguity choice together, in one transaction: a
   * token is never resolved against half of a new mapping. Every problem is named by its rule's index.
   */
  replaceMapping(input: { rules: readonly RuleInput[]; defaultRole: string | null; ambiguousRoleResolution: string }): Promise<pool.PoolSettingsRow & { rules: pool.RuleRow[] }>;
}

/** One role-mapping rule as an administrator gives it. */
export interface RuleInput {
  claim: string;
  match: string;
  value: string;
  role: string;
}

/** Problems with one rule, by field (`prefix` names its place in a list). */
function ruleProblems(rule: RuleInput, prefix = ''): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (!(MATCH_TYPES as readonly string[]).includes(rule.match)) problems.push({ path: `${prefix}match`, message: `must be one of ${MATCH_TYPES.join(', ')}` });
  if (!/^[\w:.-]{1,128}$/.test(rule.claim)) problems.push({ path: `${prefix}claim`, message: 'must be a claim name' });
  if (rule.value.length > 512) problems.push({ path: `${prefix}value`, message: 'at most 512 characters' });
  return problems;
}

function present(row: roles.RoleRow): PresentedRole {
  return { name: row.name, description: row.description, max_duration_seconds: row.max_duration_seconds, policy: JSON.parse(row.policy_template), created_at: row.created_at.toISOString() };
}

function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23503';
}

function describeUsage(usage: roles.RoleUsageRow): string[] {
  return [
    ...(usage.groups.length ? [`group(s) ${usage.groups.join(', ')}`] : []),
    ...(usage.rule_positions.length ? [`pool rule(s) at position ${usage.rule_positions.join(', ')}`] : []),
    ...(usage.default_role ? ['the pool\'s default role'] : []),
    // Deleting it clears the guest role (the schema's SET NULL): guests are refused from then on.
    ...(usage.guest_role ? ['the pool\'s guest role'] : []),
  ];
}

/** Identity-pool administration: roles, the default role, the ambiguity choice and ordered rules. */
export function createRoleService(deps: { db: Database; maxDurationCeiling: number }): RoleService {
  const { db } = deps;
  /** Runs a change with its audit event, recorded once the change did not throw. */
  const audited = <T>(event: AuditEventInput | ((result: T) => AuditEventInput), change: (tx: Queryable) => Promise<T>): Promise<T> =>
    db.transaction(async (tx) => {
      const result = await change(tx);
      await recordAudit(tx, typeof event === 'function' ? event(result) : event);
      return result;
    });
  function checkedMaxDuration(max: number): number {
    if (!Number.isInteger(max) || max < MIN_DURATION_SECONDS || max > deps.maxDurationCeiling) {
      throw new InvalidRequestError('invalid role', [{ path: 'max_duration_seconds', message: `must be an integer from ${MIN_DURATION_SECONDS} to ${deps.maxDurationCeiling}` }]);
    }
    return max;
  }
  return {
    async createRole(input) {
      if (!ROLE_NAME.test(input.name)) throw new InvalidRequestError('invalid role', [{ path: 'name', message: 'letters, digits and . _ - (1-64), starting with a letter or digit' }]);
      const max = checkedMaxDuration(input.maxDurationSeconds ?? 3600);
      const policyTemplate = validatePolicyTemplate(input.policy);
      const row = await db.transaction(async (tx) => {
        const inserted = await roles.insertRole(tx, { name: input.name, description: input.description ?? '', policyTemplate, maxDurationSeconds: max });
        if (inserted) await recordAudit(tx, { type: 'role.created', details: { role: inserted.name, max_duration_seconds: inserted.max_duration_seconds } });
        return inserted;
      });
      if (!row) throw new ConflictError(`role "${input.name}" already exists; use role update to change it`);
      return { ...present(row), created: true };
    },
    async updateRole(name, changes) {
      const max = changes.maxDurationSeconds === undefined ? null : checkedMaxDuration(changes.maxDurationSeconds);
      const policyTemplate = changes.policy === undefined ? null : validatePolicyTemplate(changes.policy);
      const fields = Object.keys(changes).filter((key) => changes[key as keyof typeof changes] !== undefined);
      const row = await audited({ type: 'role.updated', details: { role: name, fields } }, async (tx) => {
        const updated = await roles.updateRoleByName(tx, name, { description: changes.description ?? null, policyTemplate, maxDurationSeconds: max });
        if (!updated) throw new NotFoundError(`no role "${name}"`);
        return updated;
      });
      return present(row);
    },
    async listRoles() {
      return (await roles.listRoles(db)).map(present);
    },
    async getRole(name) {
      const row = await roles.findRoleByName(db, name);
      if (!row) throw new NotFoundError(`no role "${name}"`);
      return present(row);
    },
    async deleteRole(name, options = {}) {
      return db.transaction(async (tx) => {
        if (!(await roles.findRoleByName(tx, name))) throw new NotFoundError(`no role "${name}"`);
        const usage = await roles.findRoleUsage(tx, name);
        const uses = describeUsage(usage);
        if (uses.length > 0 && !options.force) throw new ConflictError(`role "${name}" is in use by ${uses.join('; ')}; detach it first, or delete with --force`);
        // The schema would detach by itself (groups: SET NULL, rules: CASCADE), but rules must close their
        // gaps so positions stay 1..n: remove them one by one from the last.
        for (const position of [...usage.rule_positions].reverse()) await pool.deleteRuleAt(tx, position);
        await roles.deleteRoleByName(tx, name);
        const detached = { groups: usage.groups, rule_positions: usage.rule_positions, default_role: usage.default_role };
        await recordAudit(tx, { type: 'role.deleted', details: { role: name, groups: usage.groups, rules_removed: usage.rule_positions.length, default_role: usage.default_role } });
        return detached;
      });
    },
    async poolSettings() {
      const [settings, rules] = await Promise.all([pool.findPoolSettings(db), pool.listRules(db)]);
      return { ...settings, rules };
    },
    async setDefaultRole(name) {
      try {
        return await audited({ type: 'pool.settings_changed', details: { setting: 'default_role', role: name } }, (tx) => pool.updatePoolSettings(tx, { defaultRole: name }));
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new NotFoundError(`no role "${name}"`);
        throw error;
      }
    },
    guestRole: async () => (await pool.findGuestRole(db))?.name ?? null,
    async setGuestRole(name) {
      try {
        return await audited({ type: 'pool.settings_changed', details: { setting: 'guest_role', role: name } }, (tx) => pool.updateGuestRole(tx, name));
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new NotFoundError(`no role "${name}"`);
        throw error;
      }
    },
    async setAmbiguousRoleResolution(mode) {
      if (mode !== 'deny' && mode !== 'default_role') throw new InvalidRequestError('ambiguous role resolution must be "deny" or "default_role"');
      return audited({ type: 'pool.settings_changed', details: { setting: 'ambiguous_role_resolution', mode } }, (tx) => pool.updatePoolSettings(tx, { ambiguousRoleResolution: mode }));
    },
    async addRule(input) {
      const problems = ruleProblems(input);
      if (problems.length) throw new InvalidRequestError('invalid rule', problems);
      return db.transaction(async (tx) => {
        const count = await pool.countRules(tx);
        if (count >= MAX_RULES) throw new ConflictError(`a pool has at most ${MAX_RULES} rules`);
        const position = input.position ?? count + 1;
        if (!Number.isInteger(position) || position < 1 || position > count + 1) throw new InvalidRequestError(`position must be between 1 and ${count + 1}`);
        try {
          await pool.insertRuleAt(tx, { claim: input.claim, match_type: input.match as pool.RuleRow['match_type'], value: input.value, role_name: input.role }, position);
        } catch (error) {
          if (isForeignKeyViolation(error)) throw new NotFoundError(`no role "${input.role}"`);
          throw error;
        }
        await recordAudit(tx, { type: 'role.rules_changed', details: { action: 'added', position, claim: input.claim, match: input.match, value: input.value, role: input.role } });
        return pool.listRules(tx);
      });
    },
    async replaceMapping(input) {
      const problems = input.rules.flatMap((rule, i) => ruleProblems(rule, `rules.${i}.`));
      if (input.rules.length > MAX_RULES) problems.push({ path: 'rules', message: `at most ${MAX_RULES} rules` });
      if (input.ambiguousRoleResolution !== 'deny' && input.ambiguousRoleResolution !== 'default_role') problems.push({ path: 'ambiguous_role_resolution', message: 'must be "deny" or "default_role"' });
      if (problems.length) throw new InvalidRequestError('invalid role mapping', problems);
      const mode = input.ambiguousRoleResolution as pool.PoolSettingsRow['ambiguous_role_resolution'];
      try {
        return await db.transaction(async (tx) => {
          await pool.deleteAllRules(tx);
          for (const [i, rule] of input.rules.entries()) {
            await pool.insertRuleAt(tx, { claim: rule.claim, match_type: rule.match as pool.RuleRow['match_type'], value: rule.value, role_name: rule.role }, i + 1);
          }
          const settings = await pool.updatePoolSettings(tx, { defaultRole: input.defaultRole, ambiguousRoleResolution: mode });
          await recordAudit(tx, { type: 'role.rules_changed', details: { action: 'replaced', rules: input.rules.length, default_role: input.defaultRole, ambiguous_role_resolution: mode } });
          return { ...settings, rules: await pool.listRules(tx) };
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          const named = [...new Set([...input.rules.map((r) => r.role), ...(input.defaultRole ? [input.defaultRole] : [])])];
          const known = new Set((await roles.listRoles(db)).map((r) => r.name));
          throw new NotFoundError(`no role ${named.filter((n) => !known.has(n)).map((n) => `"${n}"`).join(', ')}`);
        }
        throw error;
      }
    },
    async removeRule(position) {
      return db.transaction(async (tx) => {
        if (!(await pool.deleteRuleAt(tx, position))) throw new NotFoundError(`no rule at position ${position}`);
        await recordAudit(tx, { type: 'role.rules_changed', details: { action: 'removed', position } });
        return pool.listRules(tx);
      });
    },
  };
}
