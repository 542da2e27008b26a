import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMinioStsClient } from '../../src/identity-pool/minio-sts-client.js';

/**
 * The object-store client goes through the outbound HTTP helper: an object store on a loopback address
 * is allowed (the operator's own endpoint), while a stalled or oversized answer is cut off. Real MinIO
 * cannot be made to misbehave like this, so a loopback server stands in for a broken one.
 */
describe('object-store client over the outbound helper', () => {
  let server: Server;
  let mode: 'stall' | 'flood' | 'refuse' = 'stall';
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (mode === 'stall') return void setTimeout(() => res.end(), 5000).unref();
      if (mode === 'flood') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return void res.end(Buffer.alloc(1024 * 1024, 0x61));
      }
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = () => createMinioStsClient({ endpoint, region: 'us-east-1', accessKey: 'broker', secretKey: 'broker-secret-0123456789', timeoutMs: 300 });
  const assume = () => client().assumeRole({ policy: '{}', durationSeconds: 900, revokeType: 'user-1' });

  it('reaches an object store on a loopback address (no private-address guard) and maps its refusal to 502 sts_upstream_error', async () => {
    mode = 'refuse';
    await expect(assume()).rejects.toMatchObject({ status: 502, code: 'sts_upstream_error', message: 'the object store refused the request (AccessDenied)' });
  });

  it('gives up on a stalled object store after its timeout: 503 sts_unavailable', async () => {
    mode = 'stall';
    const started = performance.now();
    await expect(assume()).rejects.toMatchObject({ status: 503, code: 'sts_unavailable' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('cuts an oversized answer: 502 sts_upstream_error naming the oversized response', async () => {
    mode = 'flood';
    await expect(assume()).rejects.toMatchObject({ status: 502, code: 'sts_upstream_error', message: 'the object store sent an oversized response' });
  });
});
