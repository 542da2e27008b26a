import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A relying party's back-channel logout endpoint on 127.0.0.1: records every `logout_token` posted to it
 * and answers 200, or (`hang`) never answers, as a stuck app would.
 */
export interface LogoutReceiver {
  readonly uri: string;
  readonly tokens: string[];
  /** Resolves once `count` tokens arrived in all (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startLogoutReceiver(options: { hang?: boolean } = {}): Promise<LogoutReceiver> {
  const tokens: string[] = [];
  const waiting: (() => void)[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') && token) tokens.push(token);
      for (const wake of waiting.splice(0)) wake();
      if (options.hang) {
        open.add(res);
        return;
      }
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    uri: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (tokens.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} logout tokens, got ${tokens.length}`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return [...tokens];
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
