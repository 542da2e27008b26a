import { describe, expect, it } from 'vitest';
import { resolveRole, ruleMatches, type ResolutionInput } from '../../src/identity-pool/role-resolution.js';
import { renderPolicy, validatePolicyTemplate, PolicyRenderError } from '../../src/identity-pool/policy-template.js';
import { roleFromArn } from '../../src/identity-pool/credentials.schema.js';
import { isValidUsername } from '../../src/directory/normalize.js';

const base: ResolutionInput = { groups: [], rules: [], defaultRole: null, ambiguousRoleResolution: 'deny', claims: {} };
const groups = [
  { name: 'premium', precedence: 10, role: 'premium-viewer' },
  { name: 'free', precedence: 20, role: 'free-viewer' },
  { name: 'misc', precedence: 5, role: null },
];

describe('resolveRole', () => {
  it('picks the role of the highest-precedence group that has one', () => {
    expect(resolveRole({ ...base, groups })).toEqual({ ok: true, role: 'premium-viewer', reason: 'group' });
  });
  it('grants a requested role only when entitled (group, matching rule or default)', () => {
    expect(resolveRole({ ...base, groups, requestedRole: 'free-viewer' })).toMatchObject({ ok: true, role: 'free-viewer', reason: 'requested' });
    expect(resolveRole({ ...base, groups, requestedRole: 'admin' })).toMatchObject({ ok: false, code: 'role_not_allowed' });
    expect(resolveRole({ ...base, defaultRole: 'guest', requestedRole: 'guest' })).toMatchObject({ ok: true, role: 'guest' });
  });
  it('lets the first matching rule win over groups, in order', () => {
    const rules = [
      { claim: 'email', match_type: 'startsWith' as const, value: 'ops@', role_name: 'ops' },
      { claim: 'email', match_type: 'contains' as const, value: '@studio.example', role_name: 'uploader' },
      { claim: 'groups', match_type: 'equals' as const, value: 'free', role_name: 'never-reached' },
    ];
    expect(resolveRole({ ...base, groups, rules, claims: { email: 'x@studio.example', groups: ['free'] } })).toMatchObject({ role: 'uploader', reason: 'rule' });
    expect(resolveRole({ ...base, groups, rules, claims: { email: 'ops@studio.example' } })).toMatchObject({ role: 'ops' });
    expect(resolveRole({ ...base, groups, rules, claims: { groups: ['free'] } })).toMatchObject({ role: 'never-reached' });
  });
  it('treats a tie between different roles as ambiguous: deny, or the default role if so configured', () => {
    const tied = [{ name: 'a', precedence: 1, role: 'ra' }, { name: 'b', precedence: 1, role: 'rb' }];
    expect(resolveRole({ ...base, groups: tied })).toMatchObject({ ok: false, code: 'ambiguous_role' });
    expect(resolveRole({ ...base, groups: tied, defaultRole: 'guest', ambiguousRoleResolution: 'default_role' })).toMatchObject({ ok: true, role: 'guest', reason: 'default' });
    // Same precedence, same role: not ambiguous.
    expect(resolveRole({ ...base, groups: [tied[0]!, { name: 'c', precedence: 1, role: 'ra' }] })).toMatchObject({ ok: true, role: 'ra' });
  });
  it('falls back to the default role, then denies', () => {
    expect(resolveRole({ ...base, defaultRole: 'guest' })).toEqual({ ok: true, role: 'guest', reason: 'default' });
    expect(resolveRole(base)).toMatchObject({ ok: false, code: 'no_role' });
  });
  it('skips a notEqual rule when the claim is absent, as Cognito does', () => {
    const rule = { claim: 'custom:tier', match_type: 'notEqual' as const, value: 'gold', role_name: 'r' };
    expect(ruleMatches(rule, {})).toBe(false);
    expect(ruleMatches(rule, { 'custom:tier': 'silver' })).toBe(true);
    expect(ruleMatches(rule, { 'custom:tier': 'gold' })).toBe(false);
  });
});

describe('policy templates', () => {
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${sub}/*' }] };
  it('validates, compacts and renders per user', () => {
    const compact = validatePolicyTemplate(JSON.stringify(policy, null, 2));
    expect(compact).not.toContain('\n');
    const rendered = JSON.parse(renderPolicy(compact, { sub: '6f1c1f7e-3a5b-4c59-9c55-0b1a2d3e4f50' }));
    expect(rendered.Statement[0].Resource).toBe('arn:aws:s3:::home/6f1c1f7e-3a5b-4c59-9c55-0b1a2d3e4f50/*');
  });
  it('refuses non-JSON, wrong shapes and unknown variables', () => {
    expect(() => validatePolicyTemplate('{')).toThrow(/not valid JSON/);
    expect(() => validatePolicyTemplate(JSON.stringify({ Version: '2012-10-17', Statement: [] }))).toThrow(/invalid policy/);
    expect(() => validatePolicyTemplate(JSON.stringify({ ...policy, Statement: [{ ...policy.Statement[0], Resource: 'arn:aws:s3:::${aws:username}/*' }] }))).toThrow(/invalid policy/);
  });
  it('refuses at save time a template that could exceed MinIO\'s session-policy cap', () => {
    const big = { Version: '2012-10-17', Statement: Array.from({ length: 12 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}/\${email}/*` })) };
    expect(() => validatePolicyTemplate(JSON.stringify(big))).toThrow(/MinIO accepts session policies up to 2048/);
  });
  it('refuses values that would widen a resource, and missing values', () => {
    const compact = validatePolicyTemplate(JSON.stringify({ ...policy, Statement: [{ ...policy.Statement[0], Resource: 'arn:aws:s3:::home/${username}/*' }] }));
    expect(() => renderPolicy(compact, { username: 'a*' })).toThrow(PolicyRenderError);
    expect(() => renderPolicy(compact, { username: 'a/../b' })).toThrow(PolicyRenderError);
    expect(() => renderPolicy(compact, { username: 'x","Effect":"Allow' })).toThrow(PolicyRenderError);
    expect(() => renderPolicy(compact, { username: null })).toThrow(/does not have/);
  });
});

describe('policy variables cannot make one user\'s resource another\'s', () => {
  const sub = '6f1c1f7e-3a5b-4c59-9c55-0b1a2d3e4f50';
  const template = (resource: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource, ...extra }] });
  const refusal = (text: string) => {
    try {
      validatePolicyTemplate(text);
      return null;
    } catch (error) {
      return (error as { details?: { path: string; message: string }[] }).details ?? [];
    }
  };

  it('refuses, when a role is saved, a variable that does not fill a whole segment', () => {
    for (const resource of ['arn:aws:s3:::home/${username}*', 'arn:aws:s3:::home/${sub}-x/*', 'arn:aws:s3:::home/x${sub}/*', 'arn:aws:s3:::home/${sub}${username}/*', 'arn:aws:s3:::home/${sub}.d/*']) {
      expect(refusal(template(resource)), resource).toEqual([expect.objectContaining({ path: 'Statement[0].Resource', message: expect.stringMatching(/must (start|end) a segment/) })]);
    }
  });
  it('refuses a variable after a wildcard, since MinIO\'s * also matches "/"', () => {
    expect(refusal(template('arn:aws:s3:::*/${sub}/*'))).toEqual([expect.objectContaining({ message: expect.stringContaining('must not follow a wildcard') })]);
  });
  it('applies the same rules to Condition values such as s3:prefix, and refuses variables elsewhere', () => {
    expect(refusal(template('arn:aws:s3:::home', { Condition: { StringLike: { 's3:prefix': ['${sub}*'] } } })))
      .toEqual([expect.objectContaining({ path: 'Statement[0].Condition.StringLike.s3:prefix[0]' })]);
    expect(refusal(template('arn:aws:s3:::home', { Condition: { StringLike: { 's3:prefix': ['${sub}/*', '${username}', 'shared/${email}/*'] } } }))).toBeNull();
    expect(refusal(template('arn:aws:s3:::home', { Condition: { StringLike: { '${username}': 'x' } } })))
      .toEqual([expect.objectContaining({ message: 'variables may not appear in keys' })]);
    expect(refusal(JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'for-${username}', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::x/*' }] })))
      .toEqual([expect.objectContaining({ path: 'Statement[0].Sid', message: expect.stringContaining('only in Resource, NotResource and Condition') })]);
    expect(refusal(template('arn:aws:s3:::home/${sub/*'))).toContainEqual({ path: 'Statement[0].Resource', message: 'holds an unterminated ${' });
  });
  it('accepts variables as whole segments after "/" or ":" and at the end', () => {
    expect(refusal(template(['arn:aws:s3:::home/${sub}/*', 'arn:aws:s3:::${username}', 'arn:aws:s3:::${username}/*', 'arn:aws:s3:::mail/${email}']))).toBeNull();
  });
  it('refuses usernames shaped like a user id (any case or width) or made of dots when they are created', () => {
    for (const username of [sub, sub.toUpperCase(), '６f1c1f7e-3a5b-4c59-9c55-0b1a2d3e4f50', '.', '..']) expect(isValidUsername(username), username).toBe(false);
    for (const username of ['alice', '6f1c1f7e', `${sub}x`, 'a.b']) expect(isValidUsername(username), username).toBe(true);
  });
  it('refuses, at render time, a legacy template whose variable does not fill a segment', () => {
    const legacy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${username}*' }] });
    expect(() => renderPolicy(legacy, { username: 'ab' })).toThrow(/cannot be used safely.*must end a segment/);
  });
  it('refuses a username shaped like a user id, holding @ or a dot segment, and a sub that is not a user id', () => {
    const compact = validatePolicyTemplate(template('arn:aws:s3:::home/${username}/*'));
    expect(() => renderPolicy(compact, { username: sub })).toThrow(/username is shaped like a user id/);
    expect(() => renderPolicy(compact, { username: sub.toUpperCase() })).toThrow(/shaped like a user id/);
    expect(() => renderPolicy(compact, { username: 'eve@example.com' })).toThrow(/contains @/);
    for (const username of ['..', '.', 'a:b', 'a b', 'a?', 'a$', 'a{b}']) expect(() => renderPolicy(compact, { username }), username).toThrow(PolicyRenderError);
    expect(JSON.parse(renderPolicy(compact, { username: 'jürgen.m-1' })).Statement[0].Resource).toBe('arn:aws:s3:::home/jürgen.m-1/*');
    const bySub = validatePolicyTemplate(template('arn:aws:s3:::home/${sub}/*'));
    expect(() => renderPolicy(bySub, { sub: 'alice' })).toThrow(/sub is not a Latchkey user id/);
    const byEmail = validatePolicyTemplate(template('arn:aws:s3:::home/${email}/*'));
    expect(() => renderPolicy(byEmail, { email: 'no-at-sign' })).toThrow(/email is not an e-mail address/);
    expect(() => renderPolicy(byEmail, { email: 'a/b@example.com' })).toThrow(PolicyRenderError);
  });
});

describe('roleFromArn', () => {
  it('takes the last segment after role/, whatever precedes it', () => {
    expect(roleFromArn('arn:aws:iam::000000000000:role/premium')).toBe('premium');
    expect(roleFromArn('arn:aws-cn:iam::123:role/path/to/free-viewer')).toBe('free-viewer');
  });
});
