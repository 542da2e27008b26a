import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  OutboundAddressRefusedError,
  OutboundHttpError,
  OutboundResponseTooLargeError,
  OutboundTimeoutError,
  OutboundUnreachableError,
} from '../errors/outbound-http-error.js';
import { isPublicAddress } from './ip-address-policy.js';

/**
 * A Fetch API-shaped function: what Latchkey's outbound calls accept and return. openid-client's
 * `customFetch` (`(url: string, options) => Promise<Response>`) is this shape, so the wrapper plugs in there.
 */
export type OutboundFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Every address `hostname` resolves to, as IP literals. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface OutboundHttpOptions {
  /** The transport underneath; the global `fetch` unless a caller passes another. */
  fetch?: OutboundFetch;
  /** Budget for the whole exchange: DNS, connecting, headers and the body. Default 10 s. */
  timeoutMs?: number;
  /** Longest response body accepted (after content decoding); reading stops past it. Default 1 MiB. */
  maxResponseBytes?: number;
  /**
   * Refuse URLs whose host is, or resolves to, a non-public address (see `ip-address-policy.ts`). On by
   * default, because the URLs of upstream identity providers come from discovery documents and
   * configuration that an attacker may shape (SSRF). Off only for an endpoint the operator configured on
   * a private network, such as the object store.
   */
  blockPrivateAddresses?: boolean;
  /** DNS for the address guard. Default: the system resolver (getaddrinfo, as `fetch` itself resolves). */
  resolve?: ResolveHost;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Statuses whose Response must have a null body (Fetch standard). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

const systemResolve: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Settles like `work`, or rejects with the signal's reason as soon as the signal aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Checks every address the host resolves to, not just the first: a name with one public and one loopback
 * record must not pass, since the connection may use either.
 *
 * TODO(outbound-pinning): the connection resolves the name again, so a DNS server that answers a public
 * address here and a private one a moment later (rebinding) can still steer it. Closing that needs the
 * check at connect time (an undici dispatcher with a checking `lookup`); Latchkey does not depend on
 * undici directly yet.
 */
async function assertPublicHost(hostname: string, resolve: ResolveHost, signal: AbortSignal): Promise<void> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const addresses = isIP(host) ? [host] : await untilAborted(resolve(host), signal);
  if (addresses.length === 0) throw new OutboundUnreachableError({ detail: `${host} resolves to no address` });
  const refused = addresses.filter((address) => !isPublicAddress(address));
  if (refused.length > 0) throw new OutboundAddressRefusedError({ detail: `${host} is or resolves to ${refused.join(', ')}` });
}

/**
 * Reads the body up to `maxBytes` and answers a buffered copy, so that the caller's `.json()` or `.text()`
 * can neither wait past the timeout nor read past the limit. A declared Content-Length over the limit is
 * refused before reading; an undeclared or lying one is cut off as soon as the count passes the limit.
 */
async function readLimited(response: Response, maxBytes: number, host: string): Promise<Response> {
  const tooLarge = () => new OutboundResponseTooLargeError(maxBytes, { detail: `${host} sent more than ${maxBytes} bytes` });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // The body is decoded already: the copy must not claim an encoding or the encoded length.
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  const copy = new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, { status: response.status, statusText: response.statusText, headers });
  Object.defineProperty(copy, 'url', { value: response.url });
  return copy;
}

/**
 * The one way Latchkey makes outbound HTTP requests (style rule 10): a total timeout, a response-size
 * limit enforced while streaming, `redirect: 'manual'` (a redirect is answered to the caller, never
 * followed to wherever it points), and, unless turned off, a guard refusing non-public addresses.
 * Failures are OutboundHttpError subclasses; a caller's own abort signal still aborts as usual.
 */
export function createOutboundFetch(options: OutboundHttpOptions = {}): OutboundFetch {
  const transport: OutboundFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const guard = options.blockPrivateAddresses ?? true;
  const resolve = options.resolve ?? systemResolve;

  return async function outboundFetch(input, init = {}) {
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundAddressRefusedError({ detail: `scheme ${url.protocol} is not http or https` });
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      if (guard) await assertPublicHost(url.hostname, resolve, signal);
      const response = await transport(url.href, { ...init, redirect: 'manual', signal });
      return await readLimited(response, maxBytes, url.host);
    } catch (error) {
      if (error instanceof OutboundHttpError) throw error;
      if (init.signal?.aborted) throw error;
      if (timeout.aborted) throw new OutboundTimeoutError({ cause: error, detail: `${url.host} did not answer within ${timeoutMs} ms` });
      const reason = (error as { cause?: { code?: unknown } } | null)?.cause?.code ?? (error as { code?: unknown } | null)?.code;
      throw new OutboundUnreachableError({ cause: error, detail: `${url.host}: ${typeof reason === 'string' ? reason : String(error)}` });
    }
  };
}
