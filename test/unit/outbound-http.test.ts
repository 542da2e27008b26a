import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutboundAddressRefusedError, OutboundResponseTooLargeError, OutboundTimeoutError, OutboundUnreachableError } from '../../src/errors/outbound-http-error.js';
import { isPublicAddress } from '../../src/lib/ip-address-policy.js';
import { createOutboundFetch, type OutboundFetch } from '../../src/lib/outbound-http.js';

/** A real HTTP server on loopback whose routes misbehave on purpose. */
describe('outbound HTTP helper', () => {
  let server: Server;
  let base: string;
  let requests: string[];
  /** Bytes the endless route managed to hand to the socket before the client went away. */
  let endlessBytesSent = 0;
  let endlessClosed: Promise<void>;

  beforeAll(async () => {
    let markClosed: () => void = () => {};
    endlessClosed = new Promise((resolve) => { markClosed = resolve; });
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(req.url ?? '');
      if (req.url === '/slow-headers') return void setTimeout(() => res.end('late'), 5000).unref();
      if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part');
        return void setTimeout(() => res.end('rest'), 5000).unref();
      }
      if (req.url === '/endless') {
        // No Content-Length: the client can only stop by counting. Keeps writing until the client leaves.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (!res.destroyed && endlessBytesSent < 256 * 1024 * 1024) {
            endlessBytesSent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => markClosed());
        return pump();
      }
      if (req.url === '/declared-large') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        return void res.write('x');
      }
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/target' });
        return void res.end();
      }
      if (req.url === '/gone') {
        res.writeHead(204);
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = [];
  });

  // The test server is on loopback, so these cases run with the address guard off, as the object store does.
  const local = (options: Parameters<typeof createOutboundFetch>[0] = {}) => createOutboundFetch({ blockPrivateAddresses: false, ...options });

  it('answers a normal response with its body readable as usual', async () => {
    const response = await local()(`${base}/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, path: '/hello' });
    expect(response.url).toBe(`${base}/hello`);
  });

  it('fires the timeout when the headers do not come in time', async () => {
    const started = performance.now();
    await expect(local({ timeoutMs: 200 })(`${base}/slow-headers`)).rejects.toBeInstanceOf(OutboundTimeoutError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('fires the timeout when the body stalls after the headers', async () => {
    const started = performance.now();
    await expect(local({ timeoutMs: 300 })(`${base}/slow-body`)).rejects.toMatchObject({ code: 'outbound_timeout', status: 504 });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('cuts an endless body at the limit with a clear error and stops reading (the server sees the connection close)', async () => {
    const error = await local({ maxResponseBytes: 100 * 1024 })(`${base}/endless`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundResponseTooLargeError);
    expect(error).toMatchObject({ code: 'outbound_response_too_large', message: 'an upstream server sent a response larger than 102400 bytes' });
    await endlessClosed;
    // The server stopped far short of the 256 MiB it would have sent; what it did send sat in socket buffers.
    expect(endlessBytesSent).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    await expect(local({ maxResponseBytes: 1024 })(`${base}/declared-large`)).rejects.toBeInstanceOf(OutboundResponseTooLargeError);
  });

  it('does not follow redirects: the 302 comes back to the caller and the target is never requested', async () => {
    const response = await local()(`${base}/redirect`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/target');
    expect(requests).toEqual(['/redirect']);
  });

  it('answers a 204 with an empty body', async () => {
    const response = await local()(`${base}/gone`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('reports a refused connection as outbound_unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(local()(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(OutboundUnreachableError);
  });

  it('lets the caller abort with its own signal (the caller\'s abort error, not a timeout)', async () => {
    const controller = new AbortController();
    const pending = local({ timeoutMs: 10_000 })(`${base}/slow-headers`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  describe('private-address guard (on by default)', () => {
    const port = () => new URL(base).port;
    for (const host of ['127.0.0.1', '[::1]', '10.1.2.3', '169.254.169.254', '[::ffff:127.0.0.1]', 'localhost']) {
      it(`refuses ${host} before any connection is made`, async () => {
        let transportCalls = 0;
        const counting: OutboundFetch = (url, init) => { transportCalls += 1; return fetch(url, init); };
        const error = await createOutboundFetch({ fetch: counting })(`http://${host}:${port()}/`).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OutboundAddressRefusedError);
        expect(error).toMatchObject({ code: 'outbound_address_refused' });
        expect(transportCalls).toBe(0);
        expect(requests).toEqual([]);
      });
    }

    it('refuses a hostname when any one of its addresses is private, naming it only in the log-only detail', async () => {
      const guarded = createOutboundFetch({ resolve: async () => ['93.184.215.14', '192.168.1.10'], fetch: () => Promise.reject(new Error('must not connect')) });
      const error = await guarded('https://idp.example.com/.well-known/openid-configuration').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'outbound_address_refused', detail: 'idp.example.com is or resolves to 192.168.1.10' });
      expect((error as Error).message).not.toContain('192.168');
    });

    it('lets a public address through to the transport', async () => {
      const seen: string[] = [];
      const guarded = createOutboundFetch({
        resolve: async () => ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
        fetch: async (url) => { seen.push(String(url)); return new Response('{"issuer":"x"}', { status: 200 }); },
      });
      expect(await (await guarded('https://idp.example.com/.well-known/openid-configuration')).json()).toEqual({ issuer: 'x' });
      expect(seen).toEqual(['https://idp.example.com/.well-known/openid-configuration']);
    });

    it('refuses schemes other than http and https', async () => {
      await expect(createOutboundFetch()('file:///etc/passwd')).rejects.toBeInstanceOf(OutboundAddressRefusedError);
    });
  });

  it('has the shape of openid-client\'s customFetch', () => {
    const custom: oidc.CustomFetch = createOutboundFetch();
    expect(typeof custom).toBe('function');
  });
});

describe('public-address policy', () => {
  it.each([
    '8.8.8.8', '93.184.215.14', '172.15.255.255', '172.32.0.1', '100.63.255.255', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e',
  ])('treats %s as public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    '127.0.0.1', '127.255.255.254', '0.0.0.0', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1',
    '224.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.2.1',
    '::', '::1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '2001:0:4136:e378::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', '::127.0.0.1',
    'not an address', '',
  ])('treats %s as not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it('judges IPv6 forms that embed a public IPv4 address by that address', () => {
    expect(isPublicAddress('::ffff:8.8.8.8')).toBe(true);
    expect(isPublicAddress('64:ff9b::808:808')).toBe(true);
    expect(isPublicAddress('2002:808:808::1')).toBe(true);
  });
});
