import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as oidc from 'openid-client';
import { PASSWORD } from './fixtures.js';
import { openLoginPage, signInToCallback } from './flows.js';
import type { MinioHarness } from './minio.js';
import { UserAgent } from './user-agent.js';

/** What `POST /sts/credentials` answers (credentials, or an OAuth-style error). */
export interface CredentialsBody {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  Role: string;
  error?: string;
  error_description?: string;
}

/** Signs `login` in through the hosted page and returns an access token carrying `scope`. */
export async function signInForToken(config: oidc.Configuration, login: string, scope = 'openid email sts'): Promise<string> {
  const agent = new UserAgent();
  const { page, verifier } = await openLoginPage(agent, config, { scope });
  const callback = await signInToCallback(agent, page, login, PASSWORD);
  return (await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })).access_token;
}

/** `POST /sts/credentials` with a JSON body (or none). */
export async function exchangeToken(issuer: string, token: string, body?: Record<string, unknown>): Promise<{ status: number; body: CredentialsBody }> {
  const response = await fetch(`${issuer}/sts/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() as CredentialsBody };
}

/** Reads `bucket/key` from MinIO itself with the given credentials: the body, or the S3 error name. */
export async function readObject(minio: MinioHarness, c: Pick<CredentialsBody, 'AccessKeyId' | 'SecretAccessKey' | 'SessionToken'>, path: string): Promise<string> {
  const s3 = new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } });
  const [bucket, ...rest] = path.split('/');
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: rest.join('/') }))).Body!.transformToString();
  } catch (error) {
    return (error as { name: string }).name;
  }
}

/** Writes `bucket/key` as MinIO's root user. */
export async function putAsRoot(minio: MinioHarness, path: string, body: string): Promise<void> {
  const s3 = new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'latchkey-root', secretAccessKey: 'root-password-for-tests' } });
  const [bucket, ...rest] = path.split('/');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: rest.join('/'), Body: body }));
}
