import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { exchangeToken, putAsRoot, readObject, type CredentialsBody } from '../support/storage.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/** Each user's own folder in `home`, keyed by Latchkey's `sub`. */
const HOME_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::home/${sub}/*'] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::home'], Condition: { StringLike: { 's3:prefix': ['${sub}/*'] } } },
  ],
};

/** Writes `bucket/key` to MinIO itself with the given credentials: 'ok', or the S3 error name. */
async function writeObject(minio: MinioHarness, c: Pick<CredentialsBody, 'AccessKeyId' | 'SecretAccessKey' | 'SessionToken'>, path: string, body: string): Promise<string> {
  const s3 = minio.s3Client({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  const [bucket, ...rest] = path.split('/');
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: rest.join('/'), Body: body }));
    return 'ok';
  } catch (error) {
    return (error as { name: string }).name;
  }
}

/** The upstream's subject for the federated user: a folder name that must stay closed to them. */
const UPSTREAM_SUBJECT = 'corp-employee-42';

/**
 * The identity pool for a user who exists only through federation: signed in at a fake upstream, given a
 * role through a group, they get MinIO credentials whose `${sub}` is Latchkey's user ID, never the upstream's
 * subject, and that open their own folder alone.
 */
describe(`identity-pool credentials for a federated user on MinIO (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let corp: FakeUpstream;
  let app: oidc.Configuration;
  let sub: string;
  let accessToken: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({
      env: database.env,
      extraEnv: minio.latchkeyEnv,
    });
    const { services } = server.latchkey;
    corp = await startFakeUpstream({ name: 'corp', redirectUris: [`${server.issuer}/federation/callback/corp`] });
    await services.providers.add({ name: 'corp', issuer: corp.issuer, clientId: corp.clientId, clientSecret: corp.clientSecret, displayName: 'Corp SSO', trustEmail: true });
    await services.roles.createRole({ name: 'home-owner', policy: JSON.stringify(HOME_POLICY) });
    await services.groups.create({ name: 'staff', precedence: 10, role: 'home-owner' });
    app = await discover(server, await services.clients.create({ name: 'Drive', redirectUris: [REDIRECT_URI], scope: 'openid email sts', firstParty: true }));
    await putAsRoot(minio, `home/${UPSTREAM_SUBJECT}/planted.txt`, 'not yours');

    corp.next({ account: UPSTREAM_SUBJECT, claims: { email: 'employee@corp.example', email_verified: true, name: 'Employee' } });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app, { scope: 'openid email sts' });
    const href = parse(page.html).querySelector('a#federation-corp')?.getAttribute('href');
    const step = await agent.navigate(new URL(href!, page.url).toString(), REDIRECT_URI);
    expect(step.location, step.html.slice(0, 300)).toMatch(/\?code=/);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier });
    expect(tokens.claims()).toMatchObject({ amr: ['fed'], identities: ['corp'] });
    sub = tokens.claims()!.sub;
    accessToken = tokens.access_token;
  }, 180_000);
  afterAll(async () => {
    await corp?.stop();
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  it('gives the federated user no credentials before a group grants a role (403 no_role), without calling MinIO', async () => {
    const calls = minio.proxy.count;
    const refused = await exchangeToken(server.issuer, accessToken);
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 403, error: 'no_role' });
    expect(minio.proxy.count).toBe(calls);
  });

  describe('once in a group carrying the role', () => {
    let credentials: CredentialsBody;

    beforeAll(async () => {
      await server.latchkey.services.groups.addUser('staff', sub);
      const granted = await exchangeToken(server.issuer, accessToken);
      expect(granted.status, JSON.stringify(granted.body)).toBe(200);
      credentials = granted.body;
    });

    it('gets credentials for the group\'s role at /sts/credentials, for Latchkey\'s sub (not the upstream subject)', () => {
      expect(sub).not.toBe(UPSTREAM_SUBJECT);
      expect(credentials.Role).toBe('home-owner');
      expect(credentials.AccessKeyId).toBeTruthy();
      expect(new Date(credentials.Expiration).getTime()).toBeGreaterThan(Date.now());
    });

    it('writes and reads under home/<Latchkey sub>/', async () => {
      expect(await writeObject(minio, credentials, `home/${sub}/notes.txt`, 'my notes')).toBe('ok');
      expect(await readObject(minio, credentials, `home/${sub}/notes.txt`)).toBe('my notes');
    });

    it('can neither write nor read under the upstream subject\'s folder or any other prefix', async () => {
      expect(await writeObject(minio, credentials, `home/${UPSTREAM_SUBJECT}/mine.txt`, 'x')).toBe('AccessDenied');
      expect(await readObject(minio, credentials, `home/${UPSTREAM_SUBJECT}/planted.txt`)).toBe('AccessDenied');
      expect(await writeObject(minio, credentials, `home/${sub}-other/x.txt`, 'x')).toBe('AccessDenied');
      expect(await writeObject(minio, credentials, 'home/shared.txt', 'x')).toBe('AccessDenied');
      expect(await writeObject(minio, credentials, `free/${sub}/x.txt`, 'x')).toBe('AccessDenied');
    });

    it('gets the same access through the AWS STS protocol (AssumeRoleWithWebIdentity), with Latchkey\'s sub as the subject', async () => {
      const sts = new STSClient({ endpoint: `${server.issuer}/sts`, region: 'us-east-1', maxAttempts: 1 });
      const result = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/home-owner', RoleSessionName: 'employee', WebIdentityToken: accessToken }));
      expect(result.SubjectFromWebIdentityToken).toBe(sub);
      const c = { AccessKeyId: result.Credentials!.AccessKeyId!, SecretAccessKey: result.Credentials!.SecretAccessKey!, SessionToken: result.Credentials!.SessionToken! };
      expect(await readObject(minio, c, `home/${sub}/notes.txt`)).toBe('my notes');
      expect(await writeObject(minio, c, `home/${UPSTREAM_SUBJECT}/sts.txt`, 'x')).toBe('AccessDenied');
    });
  });
});
