import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

const USERS = 12;

/**
 * Many people signing in at once: every flow must complete, with no lost update or deadlock. This matters
 * most on the embedded database, where PGlite serves every connection through one socket multiplexer.
 */
describe(`concurrent sign-ins (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;
  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    await services.groups.create({ name: 'crowd', precedence: 1 });
    for (let i = 0; i < USERS; i += 1) await services.users.create({ username: `user${i}`, password: PASSWORD, emailVerified: true, groups: ['crowd'] });
    config = await discover(ctx.server, await services.clients.create({ name: 'Busy app', redirectUris: [REDIRECT_URI] }));
  }, 120_000);

  it(`completes ${USERS} simultaneous sign-ins, refreshes and userinfo calls`, async () => {
    const results = await Promise.all(Array.from({ length: USERS }, async (_, i) => {
      const agent = new UserAgent();
      const { page, verifier } = await openLoginPage(agent, config);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, `user${i}`, PASSWORD)), { pkceCodeVerifier: verifier });
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      const me = await oidc.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub);
      return { username: `user${i}`, sub: tokens.claims()!.sub, me };
    }));
    expect(new Set(results.map((r) => r.sub)).size).toBe(USERS);
    for (const r of results) expect(r.me).toMatchObject({ sub: r.sub, groups: ['crowd'] });
    const grants = await ctx.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE model = 'Grant'`);
    expect(grants.rows[0]!.n).toBe(USERS);
  }, 120_000);
});
