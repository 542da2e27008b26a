import type * as SignatureV4Library from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.js';

export interface SignedRequestInput {
  url: URL;
  method: 'POST' | 'GET';
  body: string;
  contentType?: string;
  service: 'sts' | 's3';
  region: string;
  accessKey: string;
  secretKey: string;
}

// Loaded with the first signed request, not at start: a server without an object store signs none.
let library: Promise<typeof SignatureV4Library> | undefined;
const smithy = () => library ??= import('@smithy/signature-v4');

/** Signs a request with AWS Signature Version 4 and returns the headers to send. */
export async function signRequest(input: SignedRequestInput): Promise<Record<string, string>> {
  const { SignatureV4 } = await smithy();
  const signer = new SignatureV4({
    credentials: { accessKeyId: input.accessKey, secretAccessKey: input.secretKey },
    region: input.region,
    service: input.service,
    sha256: NodeSha256,
    applyChecksum: true,
  });
  const query: Record<string, string> = {};
  for (const [key, value] of input.url.searchParams) query[key] = value;
  const signed = await signer.sign({
    method: input.method,
    protocol: input.url.protocol,
    hostname: input.url.hostname,
    ...(input.url.port ? { port: Number(input.url.port) } : {}),
    path: input.url.pathname,
    query,
    headers: {
      host: input.url.host,
      ...(input.contentType ? { 'content-type': input.contentType } : {}),
    },
    body: input.body,
  });
  return signed.headers;
}
