import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * One-time secrets under concurrency: the same refresh token or code redeemed in parallel must yield at
 * most one success (kratos HackerOne #3692149 is the class of bug this pins; it shows only on a real DB).
 */
describe(`one-time redemption races (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, client);
  });

  async function freshTokens() {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    return { callback, verifier, tokens: await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier }) };
  }

  it('lets exactly one of five parallel refreshes with the same token succeed', async () => {
    const { tokens } = await freshTokens();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!)));
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    expect(fulfilled.length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.status === 'rejected')) expect((r).reason).toMatchObject({ error: 'invalid_grant' });
  });

  it('lets exactly one of five parallel code redemptions succeed', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
  });
});
