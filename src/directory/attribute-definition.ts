import type { FieldProblem } from '../errors/app-error.js';
import type { AttributeDefinitionRow, AttributeType } from './repositories/attribute.repository.js';

/** The longest string any attribute may hold (attributes.ts), and so the `max_length` of one that sets none. */
export const MAX_ATTRIBUTE_LENGTH = 2048;
/** Cognito allows 50 custom attributes per pool; so does Latchkey. */
export const MAX_CUSTOM_ATTRIBUTES = 50;
export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['string', 'number', 'boolean'];
/** As the `attribute_definitions.name` CHECK says; the claim is `custom:NAME`. */
const NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** The stored name of an attribute named either way (`custom:tier` or `tier`). */
export function attributeName(input: string): string {
  return input.startsWith('custom:') ? input.slice('custom:'.length) : input;
}

/** Why `name` (already without `custom:`) cannot name an attribute; null when it can. */
export function attributeNameProblem(name: string): string | null {
  return NAME.test(name) ? null : 'lower-case letters, digits and _, starting with a letter (1-32)';
}

export const isAttributeType = (value: string): value is AttributeType => (ATTRIBUTE_TYPES as readonly string[]).includes(value);

/**
 * What is wrong with a declaration as a whole: constraints that do not apply to its type, lengths that are not
 * whole numbers within what an attribute may hold, bounds that are not finite or cross each other.
 */
export function definitionProblems(def: AttributeDefinitionRow): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isAttributeType(def.type)) problems.push({ path: 'type', message: 'must be string, number or boolean' });
  if (def.type !== 'string') {
    for (const key of ['min_length', 'max_length'] as const) if (def[key] !== null) problems.push({ path: key, message: 'only for strings' });
  } else {
    if (def.min_length !== null && !(Number.isInteger(def.min_length) && def.min_length >= 0 && def.min_length <= MAX_ATTRIBUTE_LENGTH)) {
      problems.push({ path: 'min_length', message: `must be a whole number from 0 to ${MAX_ATTRIBUTE_LENGTH}` });
    }
    if (def.max_length !== null && !(Number.isInteger(def.max_length) && def.max_length >= 1 && def.max_length <= MAX_ATTRIBUTE_LENGTH)) {
      problems.push({ path: 'max_length', message: `must be a whole number from 1 to ${MAX_ATTRIBUTE_LENGTH}` });
    }
    if (!problems.length && def.min_length !== null && def.max_length !== null && def.min_length > def.max_length) {
      problems.push({ path: 'min_length', message: 'must not exceed max_length' });
    }
  }
  if (def.type !== 'number') {
    for (const key of ['min_value', 'max_value'] as const) if (def[key] !== null) problems.push({ path: key, message: 'only for numbers' });
  } else {
    for (const key of ['min_value', 'max_value'] as const) if (def[key] !== null && !Number.isFinite(def[key])) problems.push({ path: key, message: 'must be a finite number' });
    if (!problems.length && def.min_value !== null && def.max_value !== null && def.min_value > def.max_value) {
      problems.push({ path: 'min_value', message: 'must not exceed max_value' });
    }
  }
  return problems;
}

const FIELDS = ['type', 'required', 'mutable', 'min_length', 'max_length', 'min_value', 'max_value'] as const;
export type DefinitionField = (typeof FIELDS)[number];

/** The fields that differ, as `field: before → after` (`none` for a cleared constraint): for audit and output. */
export function describeDefinitionChanges(before: AttributeDefinitionRow, after: AttributeDefinitionRow): string[] {
  const shown = (value: string | number | boolean | null) => (value === null ? 'none' : String(value));
  return FIELDS.filter((field) => before[field] !== after[field]).map((field) => `${field}: ${shown(before[field])} → ${shown(after[field])}`);
}

/** The declaration's constraints as short facts (`required`, `max_length=16`), for the audit of an addition. */
export function describeConstraints(def: AttributeDefinitionRow): string[] {
  return [
    ...(def.required ? ['required'] : []),
    ...(def.mutable ? [] : ['immutable']),
    ...(['min_length', 'max_length', 'min_value', 'max_value'] as const).filter((key) => def[key] !== null).map((key) => `${key}=${def[key]}`),
  ];
}
