import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort } from './test-server.js';

/** An app behind a proxy on 127.0.0.1: it answers every request with the headers it received, as JSON. */
export interface HeaderEcho {
  url: string;
  /** Every request's headers, in arrival order, so a test can tell that a request never reached the app. */
  readonly received: IncomingHttpHeaders[];
  stop(): Promise<void>;
}

export async function startHeaderEcho(): Promise<HeaderEcho> {
  const received: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    received.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.headers));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
