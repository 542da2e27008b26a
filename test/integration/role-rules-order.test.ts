import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::media/*'] }] };

/** The pool's ordered rules: inserting in the middle and removing from it keep the order and the rules whole. */
describe(`identity-pool rule order (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const rule = (value: string, position?: number) => ({ claim: 'groups', match: 'equals', value, role: 'reader', ...(position ? { position } : {}) });
  const values = async () => (await ctx.server.latchkey.services.roles.poolSettings()).rules.map((r) => `${r.position}:${r.value}`);

  beforeAll(async () => {
    await ctx.server.latchkey.services.roles.createRole({ name: 'reader', policy: JSON.stringify(POLICY) });
  });

  it('inserts a rule before others and removes one from the middle, renumbering the rest', async () => {
    const roles = ctx.server.latchkey.services.roles;
    for (const value of ['a', 'b', 'c']) await roles.addRule(rule(value));
    await roles.addRule(rule('first', 1));
    expect(await values()).toEqual(['1:first', '2:a', '3:b', '4:c']);
    await roles.addRule(rule('middle', 3));
    expect(await values()).toEqual(['1:first', '2:a', '3:middle', '4:b', '5:c']);
    await roles.removeRule(2);
    expect(await values()).toEqual(['1:first', '2:middle', '3:b', '4:c']);
    await roles.removeRule(1);
    expect(await values()).toEqual(['1:middle', '2:b', '3:c']);
    await expect(roles.removeRule(9)).rejects.toMatchObject({ status: 404 });
    expect(await values()).toEqual(['1:middle', '2:b', '3:c']);
  });

  it('refuses a 26th rule and leaves the 25 as they were', async () => {
    const roles = ctx.server.latchkey.services.roles;
    while ((await values()).length < 25) await roles.addRule(rule(`r${(await values()).length}`));
    const full = await values();
    await expect(roles.addRule(rule('one too many', 1))).rejects.toMatchObject({ status: 409 });
    expect(await values()).toEqual(full);
  });
});
