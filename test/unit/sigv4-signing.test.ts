import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { sigV4Authorizer } from '../../src/cognito/sigv4-authorization.js';
import { signRequest, type SignedRequestInput } from '../../src/identity-pool/sigv4.js';
import type { AwsAccessKeys } from '../../src/oidc/aws-access-keys.js';

const KEYS = { accessKey: 'AKIDEXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const AT = new Date('2026-01-02T03:04:05Z');

/** The AWS SDK's signer over the same request, with its pure-JavaScript SHA-256: the reference. */
async function sdkSignature(input: SignedRequestInput): Promise<Record<string, string>> {
  const query: Record<string, string> = {};
  for (const [name, value] of input.url.searchParams) query[name] = value;
  const signed = await new SignatureV4({
    credentials: { accessKeyId: input.accessKey, secretAccessKey: input.secretKey },
    region: input.region, service: input.service, sha256: Sha256, applyChecksum: true,
  }).sign({
    method: input.method, protocol: input.url.protocol, hostname: input.url.hostname, port: Number(input.url.port), path: input.url.pathname, query,
    headers: { host: input.url.host, ...(input.contentType ? { 'content-type': input.contentType } : {}) },
    body: input.body,
  }, { signingDate: input.at! });
  return signed.headers;
}

describe('signRequest (SigV4 for the object store)', () => {
  it('signs MinIO\'s AssumeRole exactly as the AWS SDK does: same headers, same signature', async () => {
    const input: SignedRequestInput = {
      url: new URL('http://127.0.0.1:9000/'), method: 'POST', service: 'sts', region: 'us-east-1', ...KEYS, at: AT,
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', DurationSeconds: '900', Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/${aws:username}/*"]}]}', TokenRevokeType: 'g:7f0c:1' }).toString(),
    };
    const ours = signRequest(input);
    expect(ours.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260102\/us-east-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    expect(ours).toEqual(await sdkSignature(input));
  });

  it('signs the admin API\'s query (names and values escaped, sorted) and an empty body as the SDK does', async () => {
    const url = new URL('http://minio.internal:9000/minio/admin/v3/revoke-tokens/builtin');
    url.searchParams.set('user', 'broker');
    url.searchParams.set('tokenRevokeType', 'u:ab/cd+ef=*');
    const input: SignedRequestInput = { url, method: 'POST', service: 's3', region: 'eu-west-3', body: '', ...KEYS, at: AT };
    expect(signRequest(input)).toEqual(await sdkSignature(input));
  });

  it('changes the signature when the body, the key or the day changes (and the cached key follows the day)', () => {
    const base: SignedRequestInput = { url: new URL('http://127.0.0.1:9000/'), method: 'POST', service: 'sts', region: 'us-east-1', body: 'Action=AssumeRole', ...KEYS, at: AT };
    const signature = (input: SignedRequestInput) => signRequest(input).authorization!.split('Signature=')[1];
    const first = signature(base);
    expect(signature({ ...base, body: 'Action=AssumeRolf' })).not.toBe(first);
    expect(signature({ ...base, secretKey: `${KEYS.secretKey}x` })).not.toBe(first);
    const nextDay = signRequest({ ...base, at: new Date('2026-01-03T03:04:05Z') });
    expect(nextDay.authorization).toContain('/20260103/us-east-1/sts/aws4_request');
    expect(signature(base)).toBe(first);
  });

  it('is accepted by Latchkey\'s own SigV4 verification, and refused there once the body is altered', async () => {
    const keys = {
      find: async (id: string) => (id === KEYS.accessKey ? { accessKeyId: id, clientId: 'admin-client', secretAccessKey: KEYS.secretKey, admin: true, staleUse: false } : undefined),
      touch: async () => {},
    } as unknown as AwsAccessKeys;
    // Scoped to the service the verifier is set up for (the signer's are the object store's two).
    const verify = sigV4Authorizer({ keys, region: 'us-east-1', service: 's3', now: () => AT.getTime() });
    const body = '{"UserPoolId":"us-east-1_latchkey"}';
    const headers = signRequest({ url: new URL('http://127.0.0.1:9000/'), method: 'POST', service: 's3', region: 'us-east-1', body, contentType: 'application/x-amz-json-1.1', ...KEYS, at: AT });
    await expect(verify({ method: 'POST', url: '/', headers, body: Buffer.from(body) })).resolves.toEqual({ clientId: 'admin-client' });
    await expect(verify({ method: 'POST', url: '/', headers, body: Buffer.from(`${body} `) })).rejects.toThrow(/signature we calculated does not match/);
  });
});
