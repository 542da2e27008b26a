import { timingSafeEqual } from 'node:crypto';
import type * as SignatureV4Library from '@smithy/signature-v4';
import { setAuditActor } from '../audit/audit-context.js';
import { AwsRefusalError } from '../errors/aws-refusal-error.js';
import { awsEscape, credentialScope, signatureOf, signingKey, SIGV4_ALGORITHM, stringToSign } from '../lib/aws-sigv4.js';
import { sha256Hex } from '../lib/hashing.js';
import type { AwsAccessKeys } from '../oidc/aws-access-keys.js';

/** The request as it arrived, for rebuilding what the client signed. */
export interface RawRequest {
  method: string;
  /** Path and query as sent (`ctx.originalUrl`). */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The exact body bytes (read once by the dispatcher, and parsed only after this check). */
  body: Buffer;
}

/** Checks a request's signature; resolves to the client whose key signed it. */
export type RequestAuthorizer = (request: RawRequest) => Promise<{ clientId: string }>;

// The SDK's canonical forms, loaded with the first signed request, not at start: most servers receive none.
type Smithy = typeof SignatureV4Library;
let library: Promise<Smithy> | undefined;
const smithy = () => library ??= import('@smithy/signature-v4');

/** AWS accepts a request whose X-Amz-Date is within 15 minutes of its clock, either way. */
const SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

const missing = () => new AwsRefusalError(400, 'missing_authentication_token', 'MissingAuthenticationTokenException', 'Missing Authentication Token');
const incomplete = (why: string) => new AwsRefusalError(400, 'incomplete_signature', 'IncompleteSignatureException', why);
const badSignature = (why: string) => new AwsRefusalError(400, 'invalid_signature', 'InvalidSignatureException', why);

/**
 * The canonical URI as the AWS SDK computes it for every service but S3: dot segments and empty segments
 * removed, then the path as sent encoded once more (so a `%20` on the wire signs as `%2520`), slashes kept.
 */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return awsEscape(normalized).replace(/%2F/g, '/');
}

function headerValue(headers: RawRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The canonical request (SigV4 step 1) over the raw request and the headers the client says it signed. */
export function canonicalRequest(request: RawRequest, signedHeaders: readonly string[], { getCanonicalHeaders, getCanonicalQuery }: Smithy): string {
  const queryAt = request.url.indexOf('?');
  const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(queryAt === -1 ? '' : request.url.slice(queryAt + 1))) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signed: Record<string, string> = {};
  for (const name of signedHeaders) signed[name] = headerValue(request.headers, name) ?? '';
  const canonical = getCanonicalHeaders({ headers: signed } as Parameters<typeof getCanonicalHeaders>[0], undefined, new Set(signedHeaders));
  return [
    request.method.toUpperCase(),
    canonicalPath(path),
    getCanonicalQuery({ query } as Parameters<typeof getCanonicalQuery>[0]),
    signedHeaders.map((name) => `${name}:${canonical[name] ?? ''}\n`).join(''),
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

/**
 * Verifies AWS Signature Version 4 (`Authorization` header form) for `service` in `region`, as AWS does for
 * the operations it protects: the header's shape, `host` and `x-amz-date` signed, X-Amz-Date within 15
 * minutes and equal in day to the credential scope, the scope's region and service ours, the key known, the
 * signature over the rebuilt canonical request compared in constant time, and the key's client still allowed
 * the `admin` scope. The refusals are AWS's exception names. Names the client as the audit actor.
 */
export function sigV4Authorizer(deps: { keys: AwsAccessKeys; region: string; service: string; now?: () => number }): RequestAuthorizer {
  const now = deps.now ?? Date.now;
  return async (request) => {
    const header = headerValue(request.headers, 'authorization');
    if (!header) throw missing();
    if (!header.startsWith(`${SIGV4_ALGORITHM} `)) throw incomplete(`Authorization header requires the ${SIGV4_ALGORITHM} algorithm with Credential, SignedHeaders and Signature.`);
    const parts = AUTHORIZATION.exec(header);
    if (!parts) throw incomplete('Authorization header requires \'Credential\', \'SignedHeaders\' and \'Signature\' parameters.');
    const [, credential, signedList, signature] = parts as unknown as [string, string, string, string];
    const scope = credential.split('/');
    if (scope.length !== 5 || scope[4] !== 'aws4_request') throw incomplete('Credential should be scoped to a valid region, service and aws4_request.');
    const [accessKeyId, scopeDate, scopeRegion, scopeService] = scope as [string, string, string, string, string];
    const signedHeaders = signedList.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) throw badSignature('The host and x-amz-date headers must be signed.');
    if (signedHeaders.some((name, i) => name !== name.toLowerCase() || (i > 0 && signedHeaders[i - 1]! >= name))) throw badSignature('SignedHeaders must be lower case and sorted.');

    const amzDate = headerValue(request.headers, 'x-amz-date') ?? '';
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt) throw incomplete('X-Amz-Date is not a valid date (yyyyMMddTHHmmssZ).');
    if (Math.abs(now() - signedAt.getTime()) > SKEW_MS) throw badSignature(`Signature expired: ${amzDate} is not within 15 minutes of the server's time.`);
    if (scopeDate !== amzDate.slice(0, 8)) throw badSignature(`Date in Credential scope does not match YYYYMMDD from X-Amz-Date: ${amzDate.slice(0, 8)}.`);
    const { region } = deps;
    if (scopeRegion !== region) throw badSignature(`Credential should be scoped to a valid region, not '${scopeRegion.slice(0, 32)}'.`);
    if (scopeService !== deps.service) throw badSignature(`Credential should be scoped to correct service: '${deps.service}'.`);

    const key = /^[A-Z0-9]{1,128}$/.test(accessKeyId) ? await deps.keys.find(accessKeyId) : undefined;
    if (!key) throw new AwsRefusalError(400, 'unrecognized_client', 'UnrecognizedClientException', 'The security token included in the request is invalid.');

    const toSign = stringToSign(amzDate, credentialScope(scopeDate, region, deps.service), sha256Hex(canonicalRequest(request, signedHeaders, await smithy())));
    const expected = signatureOf(signingKey(key.secretAccessKey, scopeDate, region, deps.service), toSign);
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      throw badSignature('The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    }
    // Checked after the signature, so that only the key's holder learns what the key may do.
    if (!key.admin) throw new AwsRefusalError(400, 'access_denied', 'AccessDeniedException', `The client of access key ${accessKeyId} is not allowed the admin scope.`);
    // Signed traffic writes nothing while the recorded last use is under a minute old.
    if (key.staleUse) await deps.keys.touch(accessKeyId);
    setAuditActor({ kind: 'client', id: key.clientId }, key.clientId);
    return { clientId: key.clientId };
  };
}
