import { describe, expect, it } from 'vitest';
import { AwsRefusalError } from '../../src/errors/aws-refusal-error.js';
import type { AwsAccessKeys } from '../../src/oidc/aws-access-keys.js';
import { canonicalPath, sigV4Authorizer, type RawRequest } from '../../src/cognito/sigv4-authorization.js';
import { parseUserFilter } from '../../src/cognito/admin/list-users-filter.js';

/** AWS's Signature Version 4 test suite: its example key, clock and host (get-vanilla, post-vanilla). */
const ACCESS_KEY = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = Date.parse('2015-08-30T12:36:00Z');
const SCOPE = `Credential=${ACCESS_KEY}/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date`;

/** The key store as the verifier sees it: one key, whose client is (or is not) allowed admin. */
function keysWith(admin: boolean): AwsAccessKeys {
  return {
    issue: () => Promise.reject(new Error('not used')),
    rotate: () => Promise.reject(new Error('not used')),
    find: (id) => Promise.resolve(id === ACCESS_KEY ? { accessKeyId: id, clientId: 'ops', secretAccessKey: SECRET, admin, staleUse: false } : undefined),
    touch: () => Promise.resolve(),
  };
}
const verify = (request: RawRequest, options: { admin?: boolean; now?: number } = {}) =>
  sigV4Authorizer({ keys: keysWith(options.admin ?? true), region: 'us-east-1', service: 'service', now: () => options.now ?? NOW })(request);

function vanilla(method: 'GET' | 'POST', signature: string, changes: Partial<RawRequest> = {}): RawRequest {
  return {
    method, url: '/', body: Buffer.alloc(0),
    headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization: `AWS4-HMAC-SHA256 ${SCOPE}, Signature=${signature}` },
    ...changes,
  };
}
const GET_VANILLA = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const POST_VANILLA = '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b';

async function refusedAs(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return error instanceof AwsRefusalError ? error.awsType : `not refused (${String(error)})`;
}

describe('SigV4 verification', () => {
  it('accepts the AWS test suite\'s get-vanilla and post-vanilla requests and names the key\'s client', async () => {
    expect(await verify(vanilla('GET', GET_VANILLA))).toEqual({ clientId: 'ops' });
    expect(await verify(vanilla('POST', POST_VANILLA))).toEqual({ clientId: 'ops' });
  });

  it('refuses a changed method, path, query or body with InvalidSignatureException', async () => {
    expect(await refusedAs(verify(vanilla('POST', GET_VANILLA)))).toBe('InvalidSignatureException');
    expect(await refusedAs(verify(vanilla('GET', GET_VANILLA, { url: '/other' })))).toBe('InvalidSignatureException');
    expect(await refusedAs(verify(vanilla('GET', GET_VANILLA, { url: '/?a=b' })))).toBe('InvalidSignatureException');
    expect(await refusedAs(verify(vanilla('POST', POST_VANILLA, { body: Buffer.from('{}') })))).toBe('InvalidSignatureException');
  });

  it('refuses a date more than 15 minutes away as "Signature expired", and accepts one within', async () => {
    expect(await verify(vanilla('GET', GET_VANILLA), { now: NOW + 14 * 60_000 })).toEqual({ clientId: 'ops' });
    const late = await verify(vanilla('GET', GET_VANILLA), { now: NOW + 16 * 60_000 }).catch((e: unknown) => e as AwsRefusalError);
    expect(late).toMatchObject({ awsType: 'InvalidSignatureException' });
    expect((late as AwsRefusalError).message).toContain('Signature expired');
    expect(await refusedAs(verify(vanilla('GET', GET_VANILLA), { now: NOW - 16 * 60_000 }))).toBe('InvalidSignatureException');
  });

  it('refuses a missing header, an unsigned host or date, an unknown key, and a client without admin by AWS\'s names', async () => {
    const unsigned = { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' };
    expect(await refusedAs(verify({ ...vanilla('GET', GET_VANILLA), headers: unsigned }))).toBe('MissingAuthenticationTokenException');
    const onlyHost = `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=${GET_VANILLA}`;
    expect(await refusedAs(verify(vanilla('GET', GET_VANILLA, { headers: { ...unsigned, authorization: onlyHost } })))).toBe('InvalidSignatureException');
    const otherKey = `AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${GET_VANILLA}`;
    expect(await refusedAs(verify(vanilla('GET', GET_VANILLA, { headers: { ...unsigned, authorization: otherKey } })))).toBe('UnrecognizedClientException');
    expect(await refusedAs(verify(vanilla('GET', GET_VANILLA), { admin: false }))).toBe('AccessDeniedException');
  });

  it('refuses a credential scope of another day, region or service', async () => {
    for (const scope of ['20150831/us-east-1/service', '20150830/eu-west-1/service', '20150830/us-east-1/s3']) {
      const authorization = `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${scope}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${GET_VANILLA}`;
      expect(await refusedAs(verify(vanilla('GET', GET_VANILLA, { headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization } })))).toBe('InvalidSignatureException');
    }
  });

  it('canonicalises the path as the AWS SDK does: dot segments removed, encoded once more', () => {
    expect(canonicalPath('/')).toBe('/');
    expect(canonicalPath('/cog/')).toBe('/cog/');
    expect(canonicalPath('/a/./b/../c')).toBe('/a/c');
    expect(canonicalPath('/a%20b')).toBe('/a%2520b');
  });
});

describe('ListUsers filter', () => {
  it('reads = and ^= on the attributes Cognito filters on, and refuses others', () => {
    expect(parseUserFilter('email = "Ann@Example.com"').query).toEqual({ email: 'Ann@Example.com' });
    expect(parseUserFilter('username ^= "an"').query).toEqual({ q: 'an' });
    expect(parseUserFilter('status = "Disabled"').query).toEqual({ enabled: false });
    expect(parseUserFilter('sub = "0E2F0A6C-0000-4000-8000-000000000000"').sub).toBe('0e2f0a6c-0000-4000-8000-000000000000');
    expect(parseUserFilter('given_name = "Ann \\"Nan\\""').query).toEqual({ attribute: { name: 'given_name', value: 'Ann "Nan"' } });
    expect(parseUserFilter('').query).toEqual({});
    expect(() => parseUserFilter('favourite_colour = "blue"')).toThrow(/not an attribute/);
    expect(() => parseUserFilter('email contains "x"')).toThrow(/Invalid filter/);
  });
});
