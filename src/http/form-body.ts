/**
 * Collects decoded `application/x-www-form-urlencoded` fields (the edge's checked form, `checkedProviderForm`)
 * into string fields. A repeated field is reported rather than silently resolved to one value (parameter
 * pollution); each caller decides how to refuse it.
 */
export function uniqueForm(fields: Iterable<[string, string]>): { form: Record<string, string> } | { duplicate: string } {
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of fields) {
    if (key in form) return { duplicate: key.slice(0, 64) };
    form[key] = value;
  }
  return { form };
}
