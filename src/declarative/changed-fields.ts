/** JSON with object keys sorted, so two values compare equal whatever order their keys were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (inner && typeof inner === 'object' && !Array.isArray(inner)
    ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : inner));
}

/** The fields of `desired` whose values differ from `current`'s (deep, key order aside). */
export function changedFields<T extends object>(desired: T, current: T, fields: readonly (keyof T & string)[]): string[] {
  return fields.filter((field) => canonicalJson(desired[field]) !== canonicalJson(current[field]));
}

/** The same list once each (the services store de-duplicated lists, so the file's duplicates are no change). */
export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** Scopes as stored: single spaces between tokens. */
export const normalizeScope = (scope: string): string => scope.split(/\s+/).filter(Boolean).join(' ');
