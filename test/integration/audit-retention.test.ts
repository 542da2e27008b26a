import { describe, expect, it } from 'vitest';
import { withAuditContext } from '../../src/audit/audit-context.js';
import { recordAudit } from '../../src/audit/record-audit.js';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';

const DAY = 86_400_000;

/** Audit retention: events past LATCHKEY_AUDIT_RETENTION_DAYS go, the rest stay; one replica purges at a time. */
describe(`audit retention (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { LATCHKEY_AUDIT_RETENTION_DAYS: '30' } });

  it('reads the retention from the environment', () => {
    expect(ctx.server.config.auditRetentionDays).toBe(30);
  });

  it('deletes events older than the retention period and keeps the newer ones, whatever their type', async () => {
    const { db, latchkey } = ctx.server;
    await withAuditContext({ actor: { kind: 'cli', id: 'ops' }, clientId: null, address: null }, async () => {
      for (const type of ['user.created', 'sign_in.password', 'key.rotated'] as const) await recordAudit(db, { type });
    });
    // Three events made 31 to 33 days old, three recent ones.
    await db.query(`UPDATE audit_events SET occurred_at = now() - (id % 3 + 31) * interval '1 day' WHERE type = 'user.created' OR type = 'key.rotated' OR type = 'sign_in.password'`);
    await withAuditContext({ actor: { kind: 'cli', id: 'ops' }, clientId: null, address: null }, async () => {
      for (const type of ['user.created', 'sign_in.password', 'key.rotated'] as const) await recordAudit(db, { type });
    });
    const before = await latchkey.services.audit.query({ limit: 100 });
    const old = before.events.filter((e) => Date.now() - e.occurredAt.getTime() > 30 * DAY);
    expect(old).toHaveLength(3);

    const purged = await latchkey.services.audit.purgeExpired(ctx.server.config.auditRetentionDays);
    expect(purged).toBe(3);
    const after = await latchkey.services.audit.query({ limit: 100 });
    expect(after.events.map((e) => e.id).sort()).toEqual(before.events.filter((e) => !old.includes(e)).map((e) => e.id).sort());
    expect(await latchkey.services.audit.purgeExpired(30)).toBe(0);
  });

  // Replicas share a real Postgres; the embedded database admits one server (and is one session), so the
  // case of two purging replicas exists only there.
  if (currentBackend() === 'postgres') it('lets one purge run at a time: a concurrent one reports that another replica did the work', async () => {
    const { db, latchkey } = ctx.server;
    const results = await db.transaction(async (tx) => {
      // Hold the retention lock as another replica would, then purge from this one.
      await tx.query('SELECT pg_advisory_xact_lock(7256019)');
      return latchkey.services.audit.purgeExpired(30);
    });
    expect(results).toBeNull();
  });
});
