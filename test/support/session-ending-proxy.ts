import type { Socket } from 'node:net';
import { TcpProxy } from './tcp-proxy.js';

/** Backend message types of the Postgres protocol (v3) that this proxy reads. */
const READY_FOR_QUERY = 0x5a; // 'Z'
const ERROR_RESPONSE = 0x45; // 'E'

/** The ErrorResponse a backend sends when the postmaster ends it (pg_ctl stop -m fast, pg_terminate_backend). */
function administratorShutdown(): Buffer {
  const fields = [['S', 'FATAL'], ['V', 'FATAL'], ['C', '57P01'], ['M', 'terminating connection due to administrator command']];
  const body = Buffer.concat([...fields.map(([type, text]) => Buffer.from(`${type}${text}\0`)), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header[0] = ERROR_RESPONSE;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/**
 * A TCP proxy on loopback in front of a real Postgres that, while armed, ends each new session the moment its
 * start-up completes: the server's start-up messages up to and including its first ReadyForQuery, then a
 * FATAL 57P01, in one write, then the connection closes. That is what a client reads from a backend that
 * Postgres ends right after authenticating it, while shutting down; a real server does it only by chance of
 * timing, this proxy every time. Disarmed, it forwards bytes unchanged.
 */
export class SessionEndingProxy extends TcpProxy {
  /** How many sessions were ended at start-up. */
  ended = 0;
  armed = true;

  protected override relay(client: Socket, upstream: Socket): void {
    if (!this.armed) return super.relay(client, upstream);
    client.pipe(upstream);
    let startup = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      startup = Buffer.concat([startup, chunk]);
      const end = endOfFirstReadyForQuery(startup);
      if (end === undefined) return;
      upstream.destroy();
      this.ended += 1;
      client.end(Buffer.concat([startup.subarray(0, end), administratorShutdown()]));
    });
  }
}

/** The offset just past the first complete ReadyForQuery among the backend's messages, if one has arrived. */
function endOfFirstReadyForQuery(bytes: Buffer): number | undefined {
  // Each backend message: one type byte, then an int32 length that counts itself and the body.
  for (let offset = 0; offset + 5 <= bytes.length;) {
    const next = offset + 1 + bytes.readInt32BE(offset + 1);
    if (next > bytes.length) return undefined;
    if (bytes[offset] === READY_FOR_QUERY) return next;
    offset = next;
  }
  return undefined;
}
