import type { Database } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { MIN_DURATION_SECONDS } from './credential-service.js';
import { validatePolicyTemplate } from './policy-template.js';
import * as pool from './repositories/pool.repository.js';
import * as roles from './repositories/role.repository.js';

const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_RULES = 25;
export const MATCH_TYPES = ['equals', 'contains', 'startsWith', 'notEqual'] as const;

export interface PresentedRole {
  name: string;
  description: string;
  max_duration_seconds: number;
  policy: unknown;
  created_at: string;
}

export interface RoleService {
  createRole(input: { name: string; policy: string; maxDurationSeconds?: number; description?: string }): Promise<PresentedRole & { created: boolean }>;
  listRoles(): Promise<PresentedRole[]>;
  deleteRole(name: string): Promise<void>;
  poolSettings(): Promise<pool.PoolSettingsRow & { rules: pool.RuleRow[] }>;
  setDefaultRole(name: string | null): Promise<pool.PoolSettingsRow>;
  setAmbiguousRoleResolution(mode: string): Promise<pool.PoolSettingsRow>;
  addRule(input: { claim: string; match: string; value: string; role: string; position?: number }): Promise<pool.RuleRow[]>;
  removeRule(position: number): Promise<pool.RuleRow[]>;
}

function present(row: roles.RoleRow): PresentedRole {
  return { name: row.name, description: row.description, max_duration_seconds: row.max_duration_seconds, policy: JSON.parse(row.policy_template), created_at: row.created_at.toISOString() };
}

function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23503';
}

/** Identity-pool administration: roles, the default role, the ambiguity choice and ordered rules. */
export function createRoleService(deps: { db: Database; maxDurationCeiling: number }): RoleService {
  const { db } = deps;
  return {
    async createRole(input) {
      if (!ROLE_NAME.test(input.name)) throw new InvalidRequestError('invalid role', [{ path: 'name', message: 'letters, digits and . _ - (1-64), starting with a letter or digit' }]);
      const max = input.maxDurationSeconds ?? 3600;
      if (!Number.isInteger(max) || max < MIN_DURATION_SECONDS || max > deps.maxDurationCeiling) {
        throw new InvalidRequestError('invalid role', [{ path: 'max_duration_seconds', message: `must be an integer from ${MIN_DURATION_SECONDS} to ${deps.maxDurationCeiling}` }]);
      }
      const policyTemplate = validatePolicyTemplate(input.policy);
      const { row, created } = await roles.upsertRole(db, { name: input.name, description: input.description ?? '', policyTemplate, maxDurationSeconds: max });
      return { ...present(row), created };
    },
    async listRoles() {
      return (await roles.listRoles(db)).map(present);
    },
    async deleteRole(name) {
      if (!(await roles.deleteRoleByName(db, name))) throw new NotFoundError(`no role "${name}"`);
    },
    async poolSettings() {
      const [settings, rules] = await Promise.all([pool.findPoolSettings(db), pool.listRules(db)]);
      return { ...settings, rules };
    },
    async setDefaultRole(name) {
      try {
        return await pool.updatePoolSettings(db, { defaultRole: name });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new NotFoundError(`no role "${name}"`);
        throw error;
      }
    },
    async setAmbiguousRoleResolution(mode) {
      if (mode !== 'deny' && mode !== 'default_role') throw new InvalidRequestError('ambiguous role resolution must be "deny" or "default_role"');
      return pool.updatePoolSettings(db, { ambiguousRoleResolution: mode });
    },
    async addRule(input) {
      const problems: { path: string; message: string }[] = [];
      if (!(MATCH_TYPES as readonly string[]).includes(input.match)) problems.push({ path: 'match', message: `must be one of ${MATCH_TYPES.join(', ')}` });
      if (!/^[\w:.-]{1,128}$/.test(input.claim)) problems.push({ path: 'claim', message: 'must be a claim name' });
      if (input.value.length > 512) problems.push({ path: 'value', message: 'at most 512 characters' });
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
        return pool.listRules(tx);
      });
    },
    async removeRule(position) {
      return db.transaction(async (tx) => {
        if (!(await pool.deleteRuleAt(tx, position))) throw new NotFoundError(`no rule at position ${position}`);
        return pool.listRules(tx);
      });
    },
  };
}
