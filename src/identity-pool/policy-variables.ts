import { isUuid } from '../lib/uuid.js';

/**
 * Why one user's rendered policy can never name another user's objects.
 *
 * A role's policy template says `home/${username}/*`, another role's says `home/${sub}/*`. If a username could
 * equal someone's `sub`, or a value could end where another begins (`home/${username}*` with usernames `ab`
 * and `abc`; `home/${sub}-x` and a username `<uuid>-x`), one user's credentials would reach another user's
 * folder. Two rules together rule that out:
 *
 * 1. Disjoint, unique values. `sub` is a UUID. A username is never UUID-shaped and never contains `@`. An
 *    e-mail (rendered only when verified) always contains `@`. Each is unique among users (usernames and
 *    e-mails are unique after normalisation, which is a function of the stored value). No value contains
 *    `/`, `*`, `?`, `$`, `{`, `}`, `:`, whitespace or JSON syntax, and none is `.` or `..`.
 * 2. Whole segments. A variable is preceded by the start of the string, `/` or `:` and followed by the end
 *    of the string or `/`, and no wildcard (`*`, `?`) comes before it in the same string (MinIO's `*` crosses
 *    `/`, so `*\/${sub}` would match `home/<someone>/<your sub>`). Variables appear only in `Resource`,
 *    `NotResource` and `Condition` values (so `s3:prefix` conditions follow the same rules).
 *
 * Since values hold no separator, a rendered string splits into exactly the template's segments; a segment
 * from a variable equals another rendered segment only if it comes from the same variable and the same user.
 * Templates are checked when a role is saved and again when rendering (rows saved before these rules).
 */
export const TEMPLATE_VARIABLES = ['sub', 'username', 'email'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** `${name}` anywhere in a string (the name is checked separately, so unknown ones are reported). */
export const VARIABLE = /\$\{([^}]*)\}/g;

/** Letters, digits and `@ . _ + -`: no separator, wildcard, variable or JSON syntax, no whitespace. */
const SAFE_VALUE = /^[\p{L}\p{N}@._+-]{1,254}$/u;

/** Why a value cannot be used for a variable, or null when it can. */
export function unsafeValueReason(name: TemplateVariable, value: string): string | null {
  if (name === 'sub') return isUuid(value) ? null : 'is not a Latchkey user id';
  if (!SAFE_VALUE.test(value) || value === '.' || value === '..') return 'holds characters a policy cannot carry safely';
  if (name === 'username') {
    if (value.includes('@')) return 'contains @, which only e-mail addresses may';
    if (isUuid(value.normalize('NFKC').toLowerCase())) return 'is shaped like a user id';
    return null;
  }
  return value.includes('@') ? null : 'is not an e-mail address';
}

/** Where a variable may stand in one template string; null when every variable fills a whole segment. */
export function misplacedVariable(text: string): string | null {
  for (const match of text.matchAll(VARIABLE)) {
    const start = match.index;
    const end = start + match[0].length;
    const before = start === 0 ? '' : text[start - 1]!;
    const after = end === text.length ? '' : text[end]!;
    if (before !== '' && before !== '/' && before !== ':') return `${match[0]} must start a segment (after "/" or ":"), not follow "${before}"`;
    if (after !== '' && after !== '/') return `${match[0]} must end a segment (before "/" or the end), not precede "${after}"`;
    if (/[*?]/.test(text.slice(0, start))) return `${match[0]} must not follow a wildcard: MinIO's * also matches "/"`;
  }
  return null;
}
