import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { alertText, UserAgent } from '../support/user-agent.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${sub}/*' }] });

/** The playground with the identity pool configured: its access token carries `sts` and opens real MinIO. */
describe(`playground with the identity pool (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({ env: database.env, extraEnv: minio.latchkeyEnv });
    await server.latchkey.services.roles.createRole({ name: 'reader', policy: POLICY });
    await server.latchkey.services.roles.setDefaultRole('reader');
    await server.latchkey.services.users.create({ username: 'tess', email: 'tess@example.com', emailVerified: true, password: PASSWORD });
  });
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  const url = (path: string) => `${server.issuer}${path}`;

  it('exchanges the access token for storage credentials on a button, showing the secrets only in part', async () => {
    const agent = new UserAgent();
    const login = await agent.navigate(url('/playground/start'));
    const callback = await agent.follow(await agent.submit(login, 'form#login-form', { username: 'tess', password: PASSWORD }), url('/playground/callback'));
    const signedIn = await agent.request(callback.location!);
    expect(signedIn.status).toBe(200);
    expect(parse(signedIn.html).querySelector('#playground-scope')?.text.split(' ')).toContain('sts');
    // A form post without this page's CSRF token is refused and mints nothing.
    const forged = await agent.request(url('/playground/credentials'), { method: 'POST', body: new URLSearchParams({ csrf: 'forged' }) });
    expect(forged.status).toBe(403);
    const before = minio.proxy.count;
    const page = await agent.submit(signedIn, 'form#credentials-form');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const details = parse(page.html).querySelector('#playground-credentials');
    expect(details?.text).toContain('reader');
    expect(details?.text).toMatch(/…\(\d+ more characters\)/);
    expect(minio.proxy.count).toBeGreaterThan(before);
    // The credentials were really minted: the issuance is recorded, and its secret is not on the page whole.
    const { rows } = await server.db.query<{ access_key_id: string }>('SELECT access_key_id FROM credential_issuances WHERE client_id = $1 ORDER BY id DESC LIMIT 1', ['latchkey-playground']);
    expect(details?.text).toContain(rows[0]!.access_key_id);
    expect(server.logs.text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/);
  });

  it('refuses the credentials button without a held access token with a clear 400 page', async () => {
    const page = await new UserAgent().request(url('/playground/credentials'), { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) });
    expect(page.status).toBe(400);
    expect(alertText(page.html)).toMatch(/no live access token/);
  });
});
