import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { duplexPair, type Duplex } from 'node:stream';

export interface InProcessResponse {
  status: number;
  contentType: string;
  body: string;
}

export type InProcessFetch = (path: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }) => Promise<InProcessResponse>;

/** Enough for any token, userinfo or credentials answer; a larger one is cut off as an error. */
const MAX_BODY_BYTES = 256 * 1024;
const TIMEOUT_MS = 15_000;

/**
 * HTTP requests to this very app without a network: a real HTTP/1.1 exchange over an in-memory stream
 * pair, handled by the whole Koa app (edge checks, bridges, oidc-provider) exactly as a request from an
 * app would be. The playground redeems its code this way, so it needs neither the issuer's public URL to
 * be reachable from inside the process (it rarely is behind a proxy or in a container) nor a loopback
 * port. The Host header is the issuer's, as an app's would be.
 */
export function createInProcessFetch(deps: { handler: () => (req: IncomingMessage, res: ServerResponse) => void; issuer: string }): InProcessFetch {
  const server = createServer((req, res) => deps.handler()(req, res));
  const host = new URL(deps.issuer).host;
  return (path, init) => new Promise<InProcessResponse>((resolve, reject) => {
    const [clientSide, serverSide] = duplexPair().map(asSocket) as [Duplex, Duplex];
    server.emit('connection', serverSide);
    const timer = setTimeout(() => finish(new Error('in-process request timed out')), TIMEOUT_MS);
    timer.unref();
    const finish = (error?: Error) => {
      clearTimeout(timer);
      clientSide.destroy();
      serverSide.destroy();
      if (error) reject(error);
    };
    const outgoing = request({
      method: init.method,
      path,
      headers: { host, ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
      createConnection: () => clientSide,
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) finish(new Error('in-process response too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
        finish();
      });
      response.on('error', finish);
    });
    outgoing.on('error', finish);
    outgoing.end(init.body);
  });
}

/**
 * Node's HTTP client and server call a few socket methods on their connection (timeouts, Nagle, keep-alive)
 * that mean nothing in memory; they become no-ops. The request has no peer address, as a test or a Unix
 * socket has none, so nothing counts it against a client address.
 */
function asSocket(stream: Duplex): Duplex {
  return Object.assign(stream, { setTimeout: () => stream, setNoDelay: () => stream, setKeepAlive: () => stream, ref: () => stream, unref: () => stream });
}
