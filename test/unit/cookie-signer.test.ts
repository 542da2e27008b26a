import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { CookieSigner } from '../../src/lib/cookie-signer.js';

const FIRST = 'first-secret-of-at-least-thirty-two-chars';
const OLDER = 'older-secret-of-at-least-thirty-two-chars';

/** Keygrip 1.1's signature, written out from its source: HMAC-SHA1, base64 with `/+` → `_-` and `=` dropped. */
function keygripSignature(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data).digest('base64').replace(/\/|\+|=/g, (x) => ({ '/': '_', '+': '-', '=': '' })[x]!);
}

describe('CookieSigner', () => {
  it('signs as Keygrip does, under the first secret, so cookies signed before it stay valid', () => {
    const signer = new CookieSigner([FIRST, OLDER]);
    for (const data of ['_session=abc', '_interaction=Zm9v-_bar', 'x=' + 'é'.repeat(50)]) {
      expect(signer.sign(data)).toBe(keygripSignature(FIRST, data));
      expect(signer.index(data, keygripSignature(FIRST, data))).toBe(0);
    }
  });

  it('says which secret made a signature, so a rotated-out one is still read (and re-signed by the cookies package)', () => {
    const signer = new CookieSigner([FIRST, OLDER]);
    expect(signer.index('_session=abc', keygripSignature(OLDER, '_session=abc'))).toBe(1);
    expect(signer.verify('_session=abc', keygripSignature(OLDER, '_session=abc'))).toBe(true);
    expect(new CookieSigner([FIRST]).index('_session=abc', keygripSignature(OLDER, '_session=abc'))).toBe(-1);
  });

  it('refuses a signature of another value, a truncated or padded one, and one of another length without throwing', () => {
    const signer = new CookieSigner([FIRST]);
    const good = signer.sign('_session=abc');
    expect(signer.verify('_session=abd', good)).toBe(false);
    expect(signer.verify('_session=abc', good.slice(0, -1))).toBe(false);
    expect(signer.verify('_session=abc', `${good}=`)).toBe(false);
    expect(signer.verify('_session=abc', '')).toBe(false);
    expect(signer.verify('_session=abc', 'é'.repeat(27))).toBe(false);
    expect(signer.index('_session=abc', good.toUpperCase() === good ? good.toLowerCase() : good.toUpperCase())).toBe(-1);
  });

  it('needs a secret', () => {
    expect(() => new CookieSigner([])).toThrow(/secret/);
  });

  it('signs and reads ctx.cookies in a Koa app, and refuses a tampered cookie', async () => {
    const app = new Koa();
    app.keys = new CookieSigner([FIRST]);
    app.use((ctx) => {
      if (ctx.path === '/set') ctx.cookies.set('pending', 'step-2', { signed: true });
      ctx.body = { pending: ctx.cookies.get('pending', { signed: true }) ?? null };
    });
    const handle = app.callback();
    const server = http.createServer((req, res) => void handle(req, res)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const set = await fetch(`${base}/set`);
      const cookies = set.headers.getSetCookie().map((line) => line.split(';')[0]!);
      expect(cookies).toEqual(['pending=step-2', `pending.sig=${keygripSignature(FIRST, 'pending=step-2')}`]);
      const read = await fetch(`${base}/read`, { headers: { cookie: cookies.join('; ') } });
      expect(await read.json()).toEqual({ pending: 'step-2' });
      const tampered = await fetch(`${base}/read`, { headers: { cookie: `pending=step-3; ${cookies[1]}` } });
      expect(await tampered.json()).toEqual({ pending: null });
    } finally {
      server.close();
    }
  });
});
