import type { Queryable } from '../../db/database.js';
import type { AttributeDefinitionRow, AttributeType } from './attribute.repository.js';

/*
 * Users' values of one custom attribute (`users.custom_attributes`, a jsonb object keyed by attribute name),
 * as schema changes see them: measured against a target declaration, converted, moved or deleted in one
 * statement each. The attribute name is always `$1` and the target type `$2`; no identifier comes from input.
 */

/** A decimal number as text (what `numeric` parses); exponents of at most three digits keep the cast safe. */
const DECIMAL = "'^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?[[:space:]]*$'";

/**
 * A value `v` converted to the type `$2`, or NULL when it does not convert: number and boolean → their text;
 * a decimal string → a number within a double's range; "true"/"false" → a boolean; a boolean → 1/0; 0/1 →
 * a boolean. Nested CASEs, because only CASE orders evaluation: a cast must never see text that fails it.
 */
const convert = (v: string) => `CASE
  WHEN jsonb_typeof(${v}) = $2 THEN ${v}
  WHEN $2 = 'string' AND jsonb_typeof(${v}) IN ('number', 'boolean') THEN to_jsonb(${v} #>> '{}')
  WHEN $2 = 'number' AND jsonb_typeof(${v}) = 'boolean' THEN to_jsonb(CASE WHEN ${v} = 'true'::jsonb THEN 1 ELSE 0 END)
  WHEN $2 = 'number' AND jsonb_typeof(${v}) = 'string' THEN
    CASE WHEN (${v} #>> '{}') ~ ${DECIMAL} THEN
      CASE WHEN abs((${v} #>> '{}')::numeric) = 0 OR abs((${v} #>> '{}')::numeric) BETWEEN 1e-300 AND 1.7976931348623157e308
        THEN to_jsonb((${v} #>> '{}')::numeric::float8) END
    END
  WHEN $2 = 'boolean' AND jsonb_typeof(${v}) = 'string' AND (${v} #>> '{}') IN ('true', 'false') THEN to_jsonb((${v} #>> '{}') = 'true')
  WHEN $2 = 'boolean' AND ${v} IN ('0'::jsonb, '1'::jsonb) THEN to_jsonb(${v} = '1'::jsonb)
END`;

/**
 * Every user with their value (`old`, NULL when absent), the value converted to the target type (`new`), and
 * its length or magnitude; the target's constraints ride along as columns so that every parameter is typed
 * in every query that uses this (an untyped, unused `$n` is an error).
 */
const MEASURED = `WITH converted AS (
    SELECT id, custom_attributes -> $1 AS old, ${convert('custom_attributes -> $1')} AS new,
           $3::int AS min_len, $4::int AS max_len, $5::float8 AS min_val, $6::float8 AS max_val
      FROM users
  ), measured AS (
    SELECT id, old, new, min_len, max_len, min_val, max_val,
           CASE WHEN jsonb_typeof(new) = 'string' THEN length(new #>> '{}') END AS len,
           CASE WHEN jsonb_typeof(new) = 'number' THEN (new #>> '{}')::float8 END AS num
      FROM converted
  )`;

/** What a value may be refused for under a target declaration; each predicate is over `measured`. */
export const VALUE_PROBLEMS = {
  missing: 'old IS NULL',
  inconvertible: 'old IS NOT NULL AND new IS NULL',
  too_short: 'len < min_len',
  too_long: 'len > max_len',
  below_min: 'num < min_val',
  above_max: 'num > max_val',
} as const;
export type ValueProblem = keyof typeof VALUE_PROBLEMS;

export interface ValueMeasure {
  /** Users holding a value. */
  values: number;
  /** Values that the target type rewrites (a string "42" becoming 42). */
  converting: number;
  problems: Record<ValueProblem, number>;
}

/** The target's constraints as parameters `$1`-`$6`; the caller gives an effective `max_length` for strings. */
function params(name: string, target: AttributeDefinitionRow): unknown[] {
  const strings = target.type === 'string';
  const numbers = target.type === 'number';
  return [name, target.type, strings ? target.min_length : null, strings ? target.max_length : null,
    numbers ? target.min_value : null, numbers ? target.max_value : null];
}

/** Counts, in one scan of the users, what the values of `name` would become under `target`. */
export async function measureAttributeValues(db: Queryable, name: string, target: AttributeDefinitionRow): Promise<ValueMeasure> {
  const problems = Object.entries(VALUE_PROBLEMS).map(([key, predicate]) => `count(*) FILTER (WHERE ${predicate})::int AS ${key}`);
  const { rows } = await db.query<Record<ValueProblem | 'values' | 'converting', number>>(
    `${MEASURED} SELECT count(old)::int AS values, count(*) FILTER (WHERE new IS DISTINCT FROM old AND old IS NOT NULL AND new IS NOT NULL)::int AS converting,
       ${problems.join(', ')} FROM measured`,
    params(name, target),
  );
  const row = rows[0]!;
  return {
    values: row.values,
    converting: row.converting,
    problems: Object.fromEntries(Object.keys(VALUE_PROBLEMS).map((key) => [key, row[key as ValueProblem]])) as Record<ValueProblem, number>,
  };
}

/** A few users whose value has `problem` under `target` (ids in order), for an error message. */
export async function findUsersWithValueProblem(db: Queryable, name: string, target: AttributeDefinitionRow, problem: ValueProblem, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `${MEASURED} SELECT id::text AS id FROM measured WHERE ${VALUE_PROBLEMS[problem]} ORDER BY id LIMIT $7`,
    [...params(name, target), limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Rewrites every value of `name` that `type` represents differently, in one statement; returns how many.
 * A value that does not convert is left alone (the caller measured first, under the declaration's lock).
 */
export async function convertAttributeValues(db: Queryable, name: string, type: AttributeType): Promise<number> {
  const converted = convert('custom_attributes -> $1');
  const { rowCount } = await db.query(
    `UPDATE users SET custom_attributes = jsonb_set(custom_attributes, ARRAY[$1::text], ${converted}), updated_at = now()
      WHERE custom_attributes ? $1 AND ${converted} IS NOT NULL AND ${converted} IS DISTINCT FROM custom_attributes -> $1`,
    [name, type],
  );
  return rowCount;
}

/** How many users hold a value of `name` that is not of `type` (after a conversion: must be none). */
export async function countValuesNotOfType(db: Queryable, name: string, type: AttributeType): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM users WHERE custom_attributes ? $1 AND jsonb_typeof(custom_attributes -> $1) <> $2',
    [name, type],
  );
  return rows[0]?.count ?? 0;
}

export async function countAttributeValues(db: Queryable, name: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM users WHERE custom_attributes ? $1', [name]);
  return rows[0]?.count ?? 0;
}

/** Moves every value of `from` to `to`, in one statement; returns how many users had one. */
export async function renameAttributeValues(db: Queryable, from: string, to: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE users SET custom_attributes = (custom_attributes - $1::text) || jsonb_build_object($2::text, custom_attributes -> $1), updated_at = now()
      WHERE custom_attributes ? $1`,
    [from, to],
  );
  return rowCount;
}

/** Deletes every value of `name`, in one statement; returns how many users had one. */
export async function deleteAttributeValues(db: Queryable, name: string): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE users SET custom_attributes = custom_attributes - $1::text, updated_at = now() WHERE custom_attributes ? $1',
    [name],
  );
  return rowCount;
}
