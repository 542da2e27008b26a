import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * Issue "Hold what exists", item 2: locking a user out (disable, delete, sign out everywhere) and recording
 * the durable revocation of their storage credentials happen in one transaction. If the job cannot be
 * recorded, nothing changed: no user locked out of Latchkey with storage credentials left working.
 */
describe(`lock-out and revocation commit together (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let userId: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    userId = (await services.users.create({ username: 'rita', password: PASSWORD, emailVerified: true })).id;
    const client = await services.clients.create({ name: 'Files', redirectUris: [REDIRECT_URI] });
    config = await discover(ctx.server, client);
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'rita', PASSWORD)), { pkceCodeVerifier: verifier });
    // Storage credentials that have not expired: what makes a revocation job necessary.
    await ctx.server.db.query(
      `INSERT INTO credential_issuances (user_id, client_id, role_name, access_key_id, channel, expires_at)
       VALUES ($1, $2, 'reader', 'AKIALOCKOUTTEST', 'credentials', now() + interval '1 hour')`,
      [userId, client.client_id],
    );
  });

  const state = async () => {
    const { rows } = await ctx.server.db.query<{ enabled: boolean; sessions: number; jobs: number }>(
      `SELECT (SELECT enabled FROM users WHERE id = $1) AS enabled,
              (SELECT count(*)::int FROM oidc_model WHERE payload->>'accountId' = $1::text) AS sessions,
              (SELECT count(*)::int FROM revocation_jobs WHERE user_id = $1) AS jobs`,
      [userId],
    );
    return rows[0]!;
  };

  it('leaves the user enabled, signed in and without a job when the job cannot be recorded', async () => {
    const before = await state();
    expect(before).toMatchObject({ enabled: true, jobs: 0 });
    expect(before.sessions).toBeGreaterThan(0);
    // A constraint no new row can meet: recording the job fails inside the transaction.
    await ctx.server.db.query('ALTER TABLE revocation_jobs ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
    try {
      await expect(ctx.server.latchkey.services.users.setEnabled('rita', false)).rejects.toMatchObject({ code: '23514' });
      await expect(ctx.server.latchkey.services.users.signOutEverywhere('rita')).rejects.toMatchObject({ code: '23514' });
      expect(await state()).toEqual(before);
    } finally {
      await ctx.server.db.query('ALTER TABLE revocation_jobs DROP CONSTRAINT refuse_all');
    }
  });

  it('disables the user, ends their sessions and records the job together once it can', async () => {
    const { outcomes } = await ctx.server.latchkey.services.revocations.observe(() => ctx.server.latchkey.services.users.setEnabled('rita', false));
    // This server has no object store: the job waits for one that has.
    expect(outcomes).toEqual([expect.objectContaining({ outcome: 'queued' })]);
    expect(await state()).toEqual({ enabled: false, sessions: 0, jobs: 1 });
  });
});
