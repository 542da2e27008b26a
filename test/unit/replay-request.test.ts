import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { replayRequest } from '../../src/http/raw-body.js';

/** A request as the HTTP server hands it over, its body already read (the stream ended). */
function consumedRequest(): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = '/token';
  req.headers = { host: 'id.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': '29' };
  req.push(null);
  req.resume();
  return req;
}

/** How oidc-provider 9 reads a body (lib/shared/selective_body.js): only while `readable`, through `iterator()`. */
async function readAsTheProviderDoes(req: IncomingMessage): Promise<string> {
  expect(req.readable).toBe(true);
  expect(req.readableEncoding).toBeNull();
  const chunks: Buffer[] = [];
  for await (const chunk of req.iterator({ destroyOnReturn: false })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('replayRequest', () => {
  it('hands the provider the body already read, byte for byte, with the request line and headers of the original', async () => {
    const original = consumedRequest();
    await new Promise((resolve) => original.once('end', resolve));
    expect(original.readable).toBe(false);
    const body = Buffer.from('grant_type=client_credentials');
    const replay = replayRequest(original, body);
    expect(await readAsTheProviderDoes(replay)).toBe('grant_type=client_credentials');
    expect(replay.method).toBe('POST');
    expect(replay.url).toBe('/token');
    expect(replay.headers['content-length']).toBe('29');
    expect(replay.socket).toBe(original.socket);
  });

  it('gives its bytes once: a second reading finds the body spent, as a stream would', async () => {
    const replay = replayRequest(consumedRequest(), Buffer.from('a=1'));
    expect(await readAsTheProviderDoes(replay)).toBe('a=1');
    expect(replay.readable).toBe(false);
    const again: Buffer[] = [];
    for await (const chunk of replay.iterator()) again.push(chunk as Buffer);
    expect(again).toEqual([]);
  });

  it('stops when the reader stops early, and leaves the original request untouched', async () => {
    const original = consumedRequest();
    const replay = replayRequest(original, Buffer.from('a=1'));
    for await (const chunk of replay) {
      expect((chunk as Buffer).toString()).toBe('a=1');
      break;
    }
    const rest: Buffer[] = [];
    for await (const chunk of replay) rest.push(chunk as Buffer);
    expect(rest).toEqual([]);
    expect(Object.prototype.hasOwnProperty.call(original, 'iterator')).toBe(false);
  });
});
