import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createFederationStates, sweepExpiredFederationStates, type FederationStates } from '../../src/federation/federation-states.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';

const SECRET = 'federation-state-secret-0123456789abcdef0123456789';

/** The maintenance task that removes federation states of sign-ins abandoned at the upstream. */
describe(`expired federation states cleanup (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: Database;
  let states: FederationStates;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', maxConnections: 10 });
    await migrate(db, readMigrations(defaultMigrationsDir()));
    states = createFederationStates({ db, box: createSecretBox([SECRET]), secrets: [SECRET] });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function remaining(): Promise<string[]> {
    const { rows } = await db.query<{ interaction_uid: string }>('SELECT interaction_uid FROM federation_states ORDER BY interaction_uid');
    return rows.map((r) => r.interaction_uid);
  }

  async function expire(uids: string[]): Promise<void> {
    await db.query(`UPDATE federation_states SET expires_at = now() - interval '1 minute' WHERE interaction_uid = ANY($1::text[])`, [uids]);
  }

  it('deletes expired states, answered or not, and keeps live ones usable', async () => {
    for (const uid of ['expired-1', 'expired-answered', 'live-1', 'live-answered']) await states.begin(uid, 'acme');
    // The upstream answered two of them; one of those was then abandoned until it expired.
    const answeredState = async (uid: string) => {
      const begun = await states.begin(uid, 'acme');
      expect(await states.attach('acme', new URLSearchParams({ code: 'c', state: begun.state }))).toBe(uid);
    };
    await answeredState('expired-answered');
    await answeredState('live-answered');
    await expire(['expired-1', 'expired-answered']);

    expect(await sweepExpiredFederationStates(db)).toBe(2);
    expect(await remaining()).toEqual(['live-1', 'live-answered']);
    expect(await sweepExpiredFederationStates(db)).toBe(0);
    // The live answered state is still consumed normally after the sweep.
    expect((await states.consume('live-answered', 'acme'))?.params.get('code')).toBe('c');
    expect(await remaining()).toEqual(['live-1']);
    await expire(['live-1']);
    expect(await sweepExpiredFederationStates(db)).toBe(1);
  });

  it('sweeps more than one batch, and two replicas sweeping at once delete each expired row once', async () => {
    const uids = Array.from({ length: 25 }, (_, i) => `abandoned-${String(i).padStart(2, '0')}`);
    for (const uid of uids) await states.begin(uid, 'acme');
    await states.begin('still-live', 'acme');
    await expire(uids);

    const [a, b] = await Promise.all([sweepExpiredFederationStates(db, 4), sweepExpiredFederationStates(db, 4)]);
    expect(a + b).toBe(25);
    expect(await remaining()).toEqual(['still-live']);
  });
});
