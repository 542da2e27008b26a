import type { Queryable } from '../db/database.js';
import { ConflictError, InvalidRequestError } from '../errors/app-error.js';
import { definitionProblems, MAX_ATTRIBUTE_LENGTH } from './attribute-definition.js';
import { findUsersWithValueProblem, measureAttributeValues, type ValueMeasure, type ValueProblem } from './repositories/attribute-value.repository.js';
import type { AttributeDefinitionRow, AttributeType } from './repositories/attribute.repository.js';

/**
 * A change to a declared attribute. An absent field stays as it is; `null` removes a constraint. A new type
 * converts the existing values; constraints of the old type that mean nothing for the new one are dropped.
 */
export interface AttributeChange {
  type?: string | undefined;
  required?: boolean | undefined;
  mutable?: boolean | undefined;
  minLength?: number | null | undefined;
  maxLength?: number | null | undefined;
  minValue?: number | null | undefined;
  maxValue?: number | null | undefined;
}

/** How many example users a refusal names: enough to look at, never a dump of the directory. */
const EXAMPLES = 3;

/** The declaration `change` leads to, or a 400 naming each field that cannot be so. */
export function plannedDefinition(current: AttributeDefinitionRow, change: AttributeChange): AttributeDefinitionRow {
  const type = (change.type ?? current.type) as AttributeType;
  // A constraint is only ever set for its own type, so it carries over exactly when the type does.
  const carried = <K extends 'min_length' | 'max_length' | 'min_value' | 'max_value'>(key: K, given: number | null | undefined) =>
    given !== undefined ? given : type === current.type ? current[key] : null;
  const next: AttributeDefinitionRow = {
    name: current.name,
    type,
    required: change.required ?? current.required,
    mutable: change.mutable ?? current.mutable,
    min_length: carried('min_length', change.minLength),
    max_length: carried('max_length', change.maxLength),
    min_value: carried('min_value', change.minValue),
    max_value: carried('max_value', change.maxValue),
  };
  const problems = definitionProblems(next);
  if (problems.length) throw new InvalidRequestError(`invalid change to custom:${current.name}`, problems);
  return next;
}

/** A string's effective upper bound: the declared one, else the most any attribute may hold. */
const effective = (def: AttributeDefinitionRow): AttributeDefinitionRow =>
  (def.type === 'string' ? { ...def, max_length: def.max_length ?? MAX_ATTRIBUTE_LENGTH } : def);

const raises = (before: number | null, after: number | null) => after !== null && (before === null || after > before);
const lowers = (before: number | null, after: number | null) => after !== null && (before === null || after < before);

/**
 * What the existing values must be checked for: only what the change tightens. A loosened or untouched
 * constraint is not re-checked (removing one is always allowed); a new type checks every value it converts
 * against every constraint of the new declaration, since those values are new to it.
 */
export function problemsToCheck(before: AttributeDefinitionRow, after: AttributeDefinitionRow): ValueProblem[] {
  const b = effective(before);
  const a = effective(after);
  const retyped = b.type !== a.type;
  const checks: [ValueProblem, boolean][] = [
    ['missing', a.required && !b.required],
    ['inconvertible', retyped],
    ['too_short', retyped || raises(b.min_length, a.min_length)],
    ['too_long', retyped || lowers(b.max_length, a.max_length)],
    ['below_min', retyped || raises(b.min_value, a.min_value)],
    ['above_max', retyped || lowers(b.max_value, a.max_value)],
  ];
  return checks.filter(([, check]) => check).map(([problem]) => problem);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const DESCRIBE: Record<ValueProblem, (n: number, def: AttributeDefinitionRow) => string> = {
  missing: (n) => `${plural(n, 'user has', 'users have')} no value and it would be required`,
  inconvertible: (n, def) => `${plural(n, 'value does', 'values do')} not convert to ${def.type === 'number' ? 'a number' : `a ${def.type}`}`,
  too_short: (n, def) => `${plural(n, 'value is', 'values are')} shorter than ${def.min_length} characters`,
  too_long: (n, def) => `${plural(n, 'value is', 'values are')} longer than ${def.max_length} characters`,
  below_min: (n, def) => `${plural(n, 'value is', 'values are')} below ${def.min_value}`,
  above_max: (n, def) => `${plural(n, 'value is', 'values are')} above ${def.max_value}`,
};

/**
 * Measures the values of `before.name` against `after` (under the declaration's lock, in the change's
 * transaction) and refuses with a 409 that says how many values break each tightened rule, with a few
 * example users, when any does. Returns the measure (how many values exist and how many would convert).
 */
export async function assertValuesFit(tx: Queryable, before: AttributeDefinitionRow, after: AttributeDefinitionRow): Promise<ValueMeasure> {
  const target = effective(after);
  const measure = await measureAttributeValues(tx, before.name, target);
  const failing = problemsToCheck(before, after).filter((problem) => measure.problems[problem] > 0);
  if (!failing.length) return measure;
  const reasons: string[] = [];
  for (const problem of failing) {
    const examples = await findUsersWithValueProblem(tx, before.name, target, problem, EXAMPLES);
    const more = measure.problems[problem] > examples.length ? ', …' : '';
    reasons.push(`${DESCRIBE[problem](measure.problems[problem], target)} (${examples.length === 1 ? 'user' : 'users'} ${examples.join(', ')}${more})`);
  }
  throw new ConflictError(`cannot change custom:${before.name}: ${reasons.join('; ')}; nothing was changed`);
}
