import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

/** Races per case: each is a fresh sign-in, so a lucky interleaving in one round does not hide a bug. */
const ROUNDS = Number(process.env.LATCHKEY_RACE_ROUNDS ?? 3);
const PARALLEL = 5;

/**
 * One-time secrets under concurrency: the same refresh token or code redeemed in parallel yields exactly
 * one success (kratos HackerOne #3692149 is the class of bug this pins; it shows only on a real DB).
 * The adapter's atomic consume decides the race, and oidc-provider loads the grant before consuming, so
 * the winner finishes even while a loser, treating its attempt as the replay it is, revokes the grant.
 */
describe(`one-time redemption races (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, client);
  });

  async function signInCallback() {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    return { callback: new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), verifier };
  }

  async function freshTokens() {
    const { callback, verifier } = await signInCallback();
    return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
  }

  function tally<T>(results: PromiseSettledResult<T>[]) {
    const winners = results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as { error?: unknown }).error);
    return { winners, errors };
  }

  it(`lets exactly one of ${PARALLEL} parallel refreshes with the same token succeed; the others get invalid_grant`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const tokens = await freshTokens();
      const { winners, errors } = tally(await Promise.allSettled(Array.from({ length: PARALLEL }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!))));
      expect({ round, winners: winners.length, errors }).toEqual({ round, winners: 1, errors: Array(PARALLEL - 1).fill('invalid_grant') });
    }
  });

  it(`lets exactly one of ${PARALLEL} parallel code redemptions succeed; the others get invalid_grant`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const { callback, verifier } = await signInCallback();
      const { winners, errors } = tally(await Promise.allSettled(Array.from({ length: PARALLEL }, () => oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }))));
      expect({ round, winners: winners.length, errors }).toEqual({ round, winners: 1, errors: Array(PARALLEL - 1).fill('invalid_grant') });
    }
  });

  it('treats the parallel losers as a replay: the grant is revoked, so the winner\'s new refresh and access tokens stop working', async () => {
    const tokens = await freshTokens();
    const { winners } = tally(await Promise.allSettled(Array.from({ length: PARALLEL }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!))));
    const [winner] = winners;
    await expect(oidc.refreshTokenGrant(config, winner!.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await oidc.tokenIntrospection(config, winner!.access_token)).toEqual({ active: false });
  });
});
