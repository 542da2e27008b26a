import type { XMLParser } from 'fast-xml-parser';
import { ObjectStoreRefusedError, ObjectStoreUnavailableError, type AppError } from '../errors/app-error.js';
import { OutboundResponseTooLargeError } from '../errors/outbound-http-error.js';
import { createOutboundFetch, type OutboundFetch } from '../lib/outbound-http.js';
import { signRequest } from './sigv4.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** The object store's token service, as the credentials feature needs it. */
export interface StsBackend {
  /** MinIO `AssumeRole` as the broker user, narrowed by `policy`, tagged `revokeType` for revocation (revoke-types.ts). */
  assumeRole(input: { policy: string; durationSeconds: number; revokeType: string }): Promise<TemporaryCredentials>;
  /** Revokes every outstanding credential tagged `revokeType` (MinIO's revoke-tokens admin call). */
  revoke(revokeType: string): Promise<void>;
}

export interface MinioStsOptions {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  timeoutMs?: number;
  fetch?: OutboundFetch;
}

// Loaded with the first answer read, not at start: a server without an object store never reads one.
let parser: Promise<XMLParser> | undefined;
const xmlParser = () => parser ??= import('fast-xml-parser').then(({ XMLParser }) => new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true }));
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Talks to MinIO's STS (`POST /`, form body, SigV4 service `sts`) and admin API (SigV4 service `s3`).
 * AssumeRole is signed by hand rather than with @aws-sdk/client-sts because the SDK cannot send MinIO's
 * `TokenRevokeType` extension, which per-grant and per-user revocation depend on.
 */
export function createMinioStsClient(options: MinioStsOptions): StsBackend {
  // MinIO is the operator's own endpoint, usually on a private network: the private-address guard is off.
  const outbound = createOutboundFetch({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    timeoutMs: options.timeoutMs ?? 5000,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    blockPrivateAddresses: false,
  });

  async function call(url: URL, body: string, service: 'sts' | 's3', contentType?: string): Promise<{ status: number; text: string }> {
    const headers = signRequest({ url, method: 'POST', body, service, region: options.region, accessKey: options.accessKey, secretKey: options.secretKey, ...(contentType ? { contentType } : {}) });
    let response: Response;
    try {
      response = await outbound(url, { method: 'POST', headers, body });
    } catch (error) {
      const detail = (error as { detail?: string }).detail;
      if (error instanceof OutboundResponseTooLargeError) throw new ObjectStoreRefusedError('the object store sent an oversized response', detail ? { detail } : {});
      throw new ObjectStoreUnavailableError(undefined, { cause: error, ...(detail ? { detail } : {}) });
    }
    return { status: response.status, text: await response.text() };
  }

  function upstreamError(xml: XMLParser, status: number, text: string): AppError {
    if (status === 503) return new ObjectStoreUnavailableError('the object store is not ready; try again later');
    let code = `HTTP ${status}`;
    try {
      const parsed = xml.parse(text) as { ErrorResponse?: { Error?: { Code?: string } } };
      code = parsed.ErrorResponse?.Error?.Code ?? code;
    } catch {
      try { code = (JSON.parse(text) as { Code?: string }).Code ?? code; } catch { /* keep the HTTP status */ }
    }
    return new ObjectStoreRefusedError(`the object store refused the request (${code})`, { detail: `status ${status}, code ${code}` });
  }

  return {
    async assumeRole(input) {
      const body = new URLSearchParams({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        DurationSeconds: String(input.durationSeconds),
        Policy: input.policy,
        TokenRevokeType: input.revokeType,
      }).toString();
      const { status, text } = await call(new URL('/', options.endpoint), body, 'sts', 'application/x-www-form-urlencoded');
      const xml = await xmlParser();
      if (status !== 200) throw upstreamError(xml, status, text);
      const parsed = xml.parse(text) as { AssumeRoleResponse?: { AssumeRoleResult?: { Credentials?: Record<string, string> } } };
      const c = parsed.AssumeRoleResponse?.AssumeRoleResult?.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration || Number.isNaN(Date.parse(c.Expiration))) {
        throw new ObjectStoreRefusedError('the object store sent an unexpected response');
      }
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(c.Expiration) };
    },
    async revoke(revokeType) {
      const url = new URL('/minio/admin/v3/revoke-tokens/builtin', options.endpoint);
      url.searchParams.set('user', options.accessKey);
      url.searchParams.set('tokenRevokeType', revokeType);
      const { status, text } = await call(url, '', 's3');
      if (status !== 204 && status !== 200) throw upstreamError(await xmlParser(), status, text);
    },
  };
}
