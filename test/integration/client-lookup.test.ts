import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import { sha256Hex } from '../../src/lib/hashing.js';
import type { CreatedClient } from '../../src/oidc/client-service.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { countingDatabase, requestTrips, type CountingDatabase } from '../support/counting-database.js';
import { runCli } from '../support/processes.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';

const backend = currentBackend();

/** A client-credentials grant with client_secret_basic; resolves to the HTTP status and the OAuth error. */
async function grant(server: TestServer, clientId: string, secret: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials&scope=reports:read',
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

/** Polls `check` until it holds (notifications arrive on their own connection, a moment after the commit). */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe(`client lookups (${backend})`, () => {
  let database: TestDatabase;
  let db: CountingDatabase;
  let server: TestServer;
  let client: CreatedClient;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = countingDatabase(await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' }));
    server = await startTestServer({ env: database.env, db });
    client = await server.latchkey.services.clients.create({ name: 'Reports worker', grantTypes: ['client_credentials'], scope: 'reports:read' });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
  });

  it('a rotated secret stops working at the next request on the server that rotated it (grace 0)', async () => {
    expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
    const rotated = await server.latchkey.services.clients.rotateSecret(client.client_id, 0);
    expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 401, error: 'invalid_client' });
    expect(await grant(server, client.client_id, rotated.client_secret)).toEqual({ status: 200 });
    client = { ...client, client_secret: rotated.client_secret };
  });

  it('a deleted client is refused at the next request', async () => {
    const doomed = await server.latchkey.services.clients.create({ name: 'Doomed worker', grantTypes: ['client_credentials'], scope: 'reports:read' });
    expect(await grant(server, doomed.client_id, doomed.client_secret!)).toEqual({ status: 200 });
    await server.latchkey.services.clients.delete(doomed.client_id);
    expect(await grant(server, doomed.client_id, doomed.client_secret!)).toEqual({ status: 401, error: 'invalid_client' });
  });

  describe('kept in memory while the database announces changes', () => {
    let outside: pg.Client;
    beforeAll(async () => {
      // Another process's own session: on Postgres a connection of its own; on the embedded database a
      // connection through the server's socket, which shares the server's one backend session.
      outside = new pg.Client(backend === 'postgres'
        ? { connectionString: database.env.DATABASE_URL }
        : { host: database.env.LATCHKEY_DATA_DIR, port: 5432, user: 'postgres', database: 'postgres' });
      await outside.connect();
    });
    afterAll(async () => {
      await outside?.end();
    });
    /** A `latchkey` command, in its own process, while the server runs (on the embedded database, through its socket). */
    const latchkey = (args: string[]) => runCli(args, { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });
    const setSecretOutside = (secret: string) => outside.query('UPDATE clients SET client_secret_hash = $2 WHERE client_id = $1', [client.client_id, sha256Hex(secret)]);
    /** Two grants with the current secret: the second one's database round trips. */
    const tripsOfSecondGrant = async () => {
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      const from = db.log.length;
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      return requestTrips(db, from);
    };

    it('a client read once is answered from memory: the next grant makes no database round trip', async () => {
      expect(await eventually(() => server.latchkey.services.clientLookup.active)).toBe(true);
      expect(await tripsOfSecondGrant()).toEqual([]);
    });

    it('a change made by another process (plain SQL on its own connection) reaches the server through NOTIFY', async () => {
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      const replacement = 'replaced-outside-latchkey-0123456789abcdef';
      await setSecretOutside(replacement);
      expect(await eventually(async () => (await grant(server, client.client_id, client.client_secret!)).status === 401)).toBe(true);
      expect(await grant(server, client.client_id, replacement)).toEqual({ status: 200 });
      client = { ...client, client_secret: replacement };
    });

    it('a secret rotated by a `latchkey client rotate-secret` process (grace 0) is refused at the next grant', async () => {
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      const rotated = await latchkey(['--json', 'client', 'rotate-secret', client.client_id, '--grace', '0']);
      expect(rotated.code, rotated.stderr).toBe(0);
      const secret = (JSON.parse(rotated.stdout) as { client_secret: string }).client_secret;
      // Announced at the command's commit, a moment before it ended (notifications travel on their own).
      expect(await eventually(async () => (await grant(server, client.client_id, client.client_secret!)).status === 401)).toBe(true);
      expect(await grant(server, client.client_id, secret)).toEqual({ status: 200 });
      client = { ...client, client_secret: secret };
    });

    it('a scope withdrawn by a `latchkey client update` process is refused at the next grant', async () => {
      const worker = await server.latchkey.services.clients.create({ name: 'Nightly worker', grantTypes: ['client_credentials'], scope: 'reports:read' });
      expect(await grant(server, worker.client_id, worker.client_secret!)).toEqual({ status: 200 });
      const updated = await latchkey(['client', 'update', worker.client_id, '--scope', 'reports:write']);
      expect(updated.code, updated.stderr).toBe(0);
      expect(await eventually(async () => (await grant(server, worker.client_id, worker.client_secret!)).status === 400)).toBe(true);
      expect(await grant(server, worker.client_id, worker.client_secret!)).toEqual({ status: 400, error: 'invalid_scope' });
    });

    // Registered per backend (not skipped): each project runs the tests that describe its behaviour.
    if (backend === 'postgres') it('while the listening connection is gone nothing is kept and every lookup reads the row; listening again, it keeps them again', async () => {
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      const { rows } = await outside.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'latchkey-notifications'",
      );
      expect(rows).toHaveLength(1);
      await outside.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      expect(await eventually(() => !server.latchkey.services.clientLookup.active)).toBe(true);

      // Changed while nobody listens: no notification will ever announce it, and the next request sees it.
      const replacement = 'replaced-while-deaf-0123456789abcdef012345';
      await setSecretOutside(replacement);
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 401, error: 'invalid_client' });
      expect(await grant(server, client.client_id, replacement)).toEqual({ status: 200 });
      client = { ...client, client_secret: replacement };

      expect(await eventually(() => server.latchkey.services.clientLookup.active, 10_000)).toBe(true);
      expect(await tripsOfSecondGrant()).toEqual([]);
    });

    if (backend === 'embedded') it('a socket connection\'s UNLISTEN * ends nothing: a change committed right after it is still seen, and clients are kept again', async () => {
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      // One backend session for every connection: this would end the server's LISTEN too.
      const replacement = 'replaced-after-unlisten-0123456789abcdef01';
      await outside.query('UNLISTEN *');
      await setSecretOutside(replacement);
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 401, error: 'invalid_client' });
      expect(await grant(server, client.client_id, replacement)).toEqual({ status: 200 });
      client = { ...client, client_secret: replacement };

      expect(await eventually(() => server.latchkey.services.clientLookup.active)).toBe(true);
      expect(await tripsOfSecondGrant()).toEqual([]);
      // Listening again for real: a later change is announced.
      const later = 'replaced-after-relisten-0123456789abcdef01';
      await setSecretOutside(later);
      expect(await eventually(async () => (await grant(server, client.client_id, client.client_secret!)).status === 401)).toBe(true);
      expect(await grant(server, client.client_id, later)).toEqual({ status: 200 });
      client = { ...client, client_secret: later };
    });

    if (backend === 'embedded') it('a socket connection\'s own LISTEN on the channel neither hides nor repeats the server\'s notifications', async () => {
      await outside.query('LISTEN latchkey_client_changed');
      const heard: string[] = [];
      outside.on('notification', (message) => heard.push(message.payload ?? ''));
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 200 });
      const replacement = 'replaced-while-both-listen-0123456789abcd';
      await setSecretOutside(replacement);
      expect(await grant(server, client.client_id, client.client_secret!)).toEqual({ status: 401, error: 'invalid_client' });
      expect(await grant(server, client.client_id, replacement)).toEqual({ status: 200 });
      client = { ...client, client_secret: replacement };
      // The connection that committed hears its own change once, as a listening session does on Postgres.
      expect(heard).toEqual([client.client_id]);
      outside.removeAllListeners('notification');
    });
  });
});
