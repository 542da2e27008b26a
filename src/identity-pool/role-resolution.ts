/**
 * Role resolution for the identity pool, as Cognito identity pools do it (role-based access control):
 * a requested role the user is entitled to → the first matching rule → the role of the highest-precedence
 * group (lowest number) → the pool's default role → deny. A pure function: all inputs are passed in.
 */
export interface ResolutionInput {
  requestedRole?: string | undefined;
  groups: readonly { name: string; precedence: number; role: string | null }[];
  rules: readonly { claim: string; match_type: 'equals' | 'contains' | 'startsWith' | 'notEqual'; value: string; role_name: string }[];
  defaultRole: string | null;
  ambiguousRoleResolution: 'deny' | 'default_role';
  claims: Readonly<Record<string, unknown>>;
}

export type Resolution =
  | { ok: true; role: string; reason: 'requested' | 'rule' | 'group' | 'default' }
  | { ok: false; code: 'role_not_allowed' | 'ambiguous_role' | 'no_role'; message: string };

/** One rule against one claim. Arrays match if any element does (NotEqual: if none equals). */
export function ruleMatches(rule: ResolutionInput['rules'][number], claims: ResolutionInput['claims']): boolean {
  const raw = claims[rule.claim];
  // Cognito: a NotEqual rule does not apply when the claim is absent.
  if (raw === undefined || raw === null) return false;
  const values = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v));
  switch (rule.match_type) {
    case 'equals':
      return values.some((v) => v === rule.value);
    case 'contains':
      return values.some((v) => v.includes(rule.value));
    case 'startsWith':
      return values.some((v) => v.startsWith(rule.value));
    case 'notEqual':
      return values.every((v) => v !== rule.value);
  }
}

export function resolveRole(input: ResolutionInput): Resolution {
  const matching = input.rules.filter((rule) => ruleMatches(rule, input.claims));
  const groupRoles = input.groups.map((g) => g.role).filter((r): r is string => r !== null);

  if (input.requestedRole !== undefined) {
    const entitled = new Set([...groupRoles, ...matching.map((r) => r.role_name), ...(input.defaultRole ? [input.defaultRole] : [])]);
    if (entitled.has(input.requestedRole)) return { ok: true, role: input.requestedRole, reason: 'requested' };
    return { ok: false, code: 'role_not_allowed', message: `you are not entitled to role "${input.requestedRole}"` };
  }

  const [firstRule] = matching;
  if (firstRule) return { ok: true, role: firstRule.role_name, reason: 'rule' };

  const withRoles = input.groups.filter((g) => g.role !== null);
  if (withRoles.length > 0) {
    const best = Math.min(...withRoles.map((g) => g.precedence));
    const tied = new Set(withRoles.filter((g) => g.precedence === best).map((g) => g.role!));
    if (tied.size === 1) return { ok: true, role: [...tied][0]!, reason: 'group' };
    // Cognito leaves preferred_role unset when different roles tie; AmbiguousRoleResolution decides.
    if (input.ambiguousRoleResolution === 'deny' || !input.defaultRole) {
      return { ok: false, code: 'ambiguous_role', message: `your groups grant different roles at the same precedence (${[...tied].sort().join(', ')}); request one explicitly` };
    }
    return { ok: true, role: input.defaultRole, reason: 'default' };
  }

  if (input.defaultRole) return { ok: true, role: input.defaultRole, reason: 'default' };
  return { ok: false, code: 'no_role', message: 'no identity-pool role applies to you' };
}
