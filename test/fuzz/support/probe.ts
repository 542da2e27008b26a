import { connect } from 'node:net';
import { expect } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { snapshot } from '../../support/snapshot.js';

/** The slowest answer a fuzzed request may take: a sign-in costs one argon2 hash, nothing costs seconds. */
export const TIME_LIMIT_MS = 5000;

export interface FuzzRequest {
  method?: string;
  /** Path and query, sent as given (already percent-encoded, or deliberately not). */
  target: string;
  headers?: Record<string, string | undefined>;
  contentType?: string | undefined;
  body?: Uint8Array | undefined;
}

export interface FuzzResponse {
  status: number;
  location: string | null;
  text: string;
}

/** What a property may tolerate beyond 4xx/2xx/3xx: a documented 5xx (the object store left unconfigured). */
export type Tolerate = (response: FuzzResponse) => boolean;

/**
 * A prober for one server: sends fuzzed requests and checks the three properties every input must keep.
 * The answer is not a 5xx (unless `tolerate` says it is the documented one), it comes within
 * {@link TIME_LIMIT_MS}, and a refused request (4xx, or a redirect carrying `error=`) leaves the database
 * exactly as it was. The database is fingerprinted once per request: the fingerprint taken after one
 * request is the "before" of the next (requests are sequential, and nothing else writes meanwhile).
 * `fingerprint` widens or narrows what "the database" means for a surface (default: {@link snapshot}).
 */
export function createProber(base: string, db: Database, fingerprint: (db: Database) => Promise<string> = snapshot) {
  let known: string | undefined;
  return async function probe(request: FuzzRequest, tolerate: Tolerate = () => false): Promise<FuzzResponse> {
    known ??= await fingerprint(db);
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers[name] = value;
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    // fetch normalizes the case of standard methods, and refuses a body on GET and HEAD.
    const withBody = !['GET', 'HEAD'].includes(method.toUpperCase()) && request.body !== undefined;
    const shown = `${method} ${request.target.slice(0, 200)}`;
    let response: Response;
    try {
      response = await fetch(`${base}${request.target}`, {
        method, headers, redirect: 'manual', signal: AbortSignal.timeout(TIME_LIMIT_MS), ...(withBody ? { body: request.body } : {}),
      });
    } catch (error) {
      throw new Error(`${shown}: no answer within ${TIME_LIMIT_MS} ms (${(error as Error).message})`, { cause: error });
    }
    const answer = { status: response.status, location: response.headers.get('location'), text: await response.text() };
    if (answer.status >= 500 && !tolerate(answer)) throw new Error(`${shown} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    const after = await fingerprint(db);
    const refused = answer.status >= 400 || (answer.location !== null && /[?&#]error=/.test(answer.location));
    if (refused) expect(after, `${shown} (${answer.status}) changed the database`).toBe(known);
    known = after;
    return answer;
  };
}

/** Bytes on a socket (a malformed Host or request line no HTTP client sends); resolves with the status code. */
export function probeRaw(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${TIME_LIMIT_MS} ms to ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`));
    }, TIME_LIMIT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { out += chunk; });
    socket.on('error', () => { /* a reset after the answer is fine; the close handler decides */ });
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(out);
      if (!status) reject(new Error(`no HTTP answer to ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}: ${JSON.stringify(out.slice(0, 200))}`));
      else resolve(Number(status[1]));
    });
  });
}
