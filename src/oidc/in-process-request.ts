import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type Provider from 'oidc-provider';

/** What the provider answered: the status and the JSON body (an OAuth error object on failure). */
export interface InProcessAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A response that keeps what Koa writes. Koa needs only headers, `statusCode` and `end()`; with no socket
 * it treats the response as writable, and `on-finished` waits for `finish`.
 */
class CapturedResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  finished = false;
  readonly #headers = new Map<string, number | string | readonly string[]>();
  readonly #chunks: Buffer[] = [];
  setHeader(name: string, value: number | string | readonly string[]): this {
    this.#headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string) { return this.#headers.get(name.toLowerCase()); }
  getHeaders() { return Object.fromEntries(this.#headers); }
  getHeaderNames() { return [...this.#headers.keys()]; }
  hasHeader(name: string) { return this.#headers.has(name.toLowerCase()); }
  removeHeader(name: string) { this.#headers.delete(name.toLowerCase()); }
  write(chunk: string | Buffer): boolean {
    this.headersSent = true;
    this.#chunks.push(Buffer.from(chunk));
    return true;
  }
  end(chunk?: string | Buffer): this {
    if (chunk !== undefined && chunk !== null) this.write(chunk);
    this.headersSent = true;
    this.writableEnded = true;
    this.finished = true;
    this.emit('finish');
    return this;
  }
  text(): string { return Buffer.concat(this.#chunks).toString('utf8'); }
}

const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>();

/**
 * POSTs a form to one of the provider's endpoints without a network hop: the provider's own Koa app runs the
 * request through its whole chain (client authentication, grant checks, models, adapter, events), as it
 * would a request to LATCHKEY_ISSUER. `mark` attaches values under symbols to the request object: nothing
 * from the network can set them, so a grant handler can tell an in-process call from an HTTP one.
 */
export async function postToProvider(provider: Provider, issuer: string, path: string, form: Record<string, string>, mark: Record<symbol, unknown> = {}): Promise<InProcessAnswer> {
  const url = new URL(issuer);
  const body = Buffer.from(new URLSearchParams(form).toString(), 'utf8');
  const req = Readable.from([body], { objectMode: false }) as unknown as IncomingMessage;
  // The provider trusts X-Forwarded-* (it sits behind canonicalOrigin), so the issuer's origin is given that way.
  Object.assign(req, {
    method: 'POST',
    url: path,
    headers: {
      host: url.host,
      'x-forwarded-host': url.host,
      'x-forwarded-proto': url.protocol.slice(0, -1),
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(body.length),
    },
    rawHeaders: [],
    httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1,
    socket: { remoteAddress: '127.0.0.1', encrypted: false },
    complete: true, trailers: {}, rawTrailers: [],
  });
  Object.assign(req, mark);
  const res = new CapturedResponse();
  const finished = new Promise<void>((resolve) => res.once('finish', () => resolve()));
  let callback = callbacks.get(provider);
  if (!callback) callbacks.set(provider, callback = provider.callback());
  await callback(req, res as unknown as ServerResponse);
  await finished;
  const text = res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  const record = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
  return { status: res.statusCode, body: record };
}
