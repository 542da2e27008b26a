import { InvalidRequestError } from '../errors/app-error.js';
import type { AttributeDefinitionRow } from './repositories/attribute.repository.js';

/** Standard OIDC profile claims a user record may hold (OpenID Connect Core 1.0 §5.1). */
export const PROFILE_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'profile', 'picture', 'website',
  'gender', 'birthdate', 'zoneinfo', 'locale',
] as const;
export type ProfileClaim = (typeof PROFILE_CLAIMS)[number];

const MAX_PROFILE_VALUE = 2048;

/** Keeps only known profile claims, each a string of bounded length; anything else is an error. */
export function validateProfile(input: Record<string, unknown>): Record<string, string> {
  const profile: Record<string, string> = {};
  const problems: { path: string; message: string }[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (!(PROFILE_CLAIMS as readonly string[]).includes(key)) {
      problems.push({ path: key, message: 'is not a profile attribute' });
    } else if (typeof value !== 'string' || value.length > MAX_PROFILE_VALUE) {
      problems.push({ path: key, message: `must be a string of at most ${MAX_PROFILE_VALUE} characters` });
    } else if (value.trim() !== '') {
      profile[key] = value.trim();
    }
  }
  if (problems.length) throw new InvalidRequestError('invalid profile attributes', problems);
  return profile;
}

/**
 * Validates custom attributes against their declarations (Cognito's `custom:NAME`). Undeclared names are
 * rejected rather than stored, so a typo or an attacker cannot grow a user's record at will.
 */
export function validateCustomAttributes(
  definitions: readonly AttributeDefinitionRow[],
  input: Record<string, unknown>,
  options: { creating: boolean },
): Record<string, string | number | boolean> {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const result: Record<string, string | number | boolean> = {};
  const problems: { path: string; message: string }[] = [];
  for (const [rawKey, value] of Object.entries(input)) {
    const key = rawKey.startsWith('custom:') ? rawKey.slice('custom:'.length) : rawKey;
    const def = byName.get(key);
    if (!def) {
      problems.push({ path: `custom:${key}`, message: 'is not a declared attribute' });
      continue;
    }
    const coerced = coerce(def, value);
    if (typeof coerced === 'string' && def.type === 'string') {
      if (def.min_length !== null && coerced.length < def.min_length) problems.push({ path: `custom:${key}`, message: `must be at least ${def.min_length} characters` });
      else if (coerced.length > (def.max_length ?? 2048)) problems.push({ path: `custom:${key}`, message: `must be at most ${def.max_length ?? 2048} characters` });
      else result[key] = coerced;
    } else if (typeof coerced === 'number') {
      if ((def.min_value !== null && coerced < def.min_value) || (def.max_value !== null && coerced > def.max_value)) {
        problems.push({ path: `custom:${key}`, message: `must be between ${def.min_value ?? '-∞'} and ${def.max_value ?? '∞'}` });
      } else result[key] = coerced;
    } else if (typeof coerced === 'boolean') {
      result[key] = coerced;
    } else {
      problems.push({ path: `custom:${key}`, message: `must be a ${def.type}` });
    }
  }
  if (options.creating) {
    for (const def of definitions) {
      if (def.required && !(def.name in result)) problems.push({ path: `custom:${def.name}`, message: 'is required' });
    }
  }
  if (problems.length) throw new InvalidRequestError('invalid custom attributes', problems);
  return result;
}

function coerce(def: AttributeDefinitionRow, value: unknown): string | number | boolean | undefined {
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? value.trim() : undefined;
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return undefined;
  }
}
