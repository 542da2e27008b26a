import { InvalidRequestError, type FieldProblem } from '../errors/app-error.js';
import { misplacedVariable, TEMPLATE_VARIABLES, unsafeValueReason, VARIABLE, type TemplateVariable } from './policy-variables.js';

export { TEMPLATE_VARIABLES } from './policy-variables.js';
/** Per-user values for a template's variables (see policy-variables.ts for why they are safe). */
export type TemplateVariables = Partial<Record<TemplateVariable, string | null>>;

/**
 * MinIO re-encodes a session policy and refuses it above 2,048 characters (cmd/sts-handlers.go). Its
 * encoding can grow a document (a single Action string becomes an array), so Latchkey keeps a margin.
 */
export const MINIO_SESSION_POLICY_LIMIT = 2048;
export const SESSION_POLICY_BUDGET = 1800;

/** Worst-case values, used to prove at save time that every user's rendered policy fits. */
const WORST_CASE: Record<TemplateVariable, string> = {
  sub: '00000000-0000-0000-0000-000000000000',
  username: 'u'.repeat(128),
  email: `${'e'.repeat(64)}@${'d'.repeat(185)}.com`,
};

/** Statement fields whose string values may hold variables (IAM allows them in these only). */
const VARIABLE_FIELDS = new Set(['Resource', 'NotResource', 'Condition']);

export class PolicyRenderError extends Error {
  override readonly name = 'PolicyRenderError';
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function mapStrings(value: Json, map: (s: string) => string): Json {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)]));
  return value;
}

/** Where variables stand in a parsed template: only in allowed fields, each filling a whole segment. */
function placementProblems(parsed: { [key: string]: Json }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const walk = (value: Json, path: string, allowed: boolean) => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return;
      if (!allowed) {
        problems.push({ path, message: 'variables may appear only in Resource, NotResource and Condition values' });
        return;
      }
      const misplaced = value.replace(VARIABLE, '').includes('${') ? 'holds an unterminated ${' : misplacedVariable(value);
      if (misplaced) problems.push({ path, message: misplaced });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, allowed));
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key.includes('${')) problems.push({ path: `${path}.${key}`, message: 'variables may not appear in keys' });
        walk(v, `${path}.${key}`, allowed);
      }
    }
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (key !== 'Statement' || !Array.isArray(value)) {
      walk(value, key, false);
      continue;
    }
    value.forEach((statement, i) => {
      if (!statement || typeof statement !== 'object' || Array.isArray(statement)) {
        walk(statement, `Statement[${i}]`, false);
        return;
      }
      for (const [field, v] of Object.entries(statement)) {
        if (field.includes('${')) problems.push({ path: `Statement[${i}].${field}`, message: 'variables may not appear in keys' });
        walk(v, `Statement[${i}].${field}`, VARIABLE_FIELDS.has(field));
      }
    });
  }
  return problems;
}

/**
 * Validates a policy template when a role is saved: an S3 policy document (Version, Statement with
 * Effect, Action, Resource), only known variables, and a rendered size within MinIO's cap for any user.
 * Returns the compact JSON to store.
 */
export function validatePolicyTemplate(text: string): string {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    throw new InvalidRequestError('the policy is not valid JSON', [{ path: 'policy', message: 'not JSON' }]);
  }
  const problems: { path: string; message: string }[] = [];
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestError('the policy must be a JSON object', [{ path: 'policy', message: 'not an object' }]);
  }
  if (parsed.Version !== '2012-10-17') problems.push({ path: 'Version', message: 'must be "2012-10-17"' });
  const statements = parsed.Statement;
  if (!Array.isArray(statements) || statements.length === 0) {
    problems.push({ path: 'Statement', message: 'must be a non-empty array' });
  } else {
    statements.forEach((statement, i) => {
      if (!statement || typeof statement !== 'object' || Array.isArray(statement)) {
        problems.push({ path: `Statement[${i}]`, message: 'must be an object' });
        return;
      }
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') problems.push({ path: `Statement[${i}].Effect`, message: 'must be Allow or Deny' });
      for (const key of ['Action', 'Resource'] as const) {
        const v = statement[key];
        const ok = typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
        if (!ok) problems.push({ path: `Statement[${i}].${key}`, message: 'must be a string or a non-empty array of strings' });
      }
    });
  }
  for (const match of text.matchAll(VARIABLE)) {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(match[1]!)) {
      problems.push({ path: 'policy', message: `unknown variable \${${match[1]}} (use ${TEMPLATE_VARIABLES.map((v) => `\${${v}}`).join(', ')})` });
    }
  }
  problems.push(...placementProblems(parsed));
  if (problems.length) throw new InvalidRequestError('invalid policy', problems);

  const compact = JSON.stringify(parsed);
  const worst = renderPolicy(compact, WORST_CASE).length;
  if (worst > SESSION_POLICY_BUDGET) {
    throw new InvalidRequestError(
      `the policy renders to up to ${worst} characters; MinIO accepts session policies up to ${MINIO_SESSION_POLICY_LIMIT} and Latchkey keeps them under ${SESSION_POLICY_BUDGET}`,
      [{ path: 'policy', message: 'too long' }],
    );
  }
  return compact;
}

/**
 * Fills the template's variables for one user. Throws PolicyRenderError if a used value is missing or
 * unsafe, or if the template itself breaks the placement rules (a role saved before they existed).
 */
export function renderPolicy(compactTemplate: string, variables: TemplateVariables): string {
  const parsed = JSON.parse(compactTemplate) as Json;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const [problem] = placementProblems(parsed);
    if (problem) throw new PolicyRenderError(`the role's policy cannot be used safely (${problem.path}: ${problem.message}); save it again with variables as whole segments`);
  }
  const rendered = mapStrings(parsed, (s) => s.replace(VARIABLE, (_m, name: string) => {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) throw new PolicyRenderError(`the role's policy uses an unknown variable \${${name}}`);
    const value = variables[name as TemplateVariable];
    if (typeof value !== 'string' || value.length === 0) throw new PolicyRenderError(`the role's policy uses \${${name}}, which this user does not have`);
    const unsafe = unsafeValueReason(name as TemplateVariable, value);
    if (unsafe) throw new PolicyRenderError(`the user's ${name} ${unsafe}, so it cannot be used in a policy`);
    return value;
  }));
  return JSON.stringify(rendered);
}
