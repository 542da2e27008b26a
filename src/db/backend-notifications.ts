/**
 * Notifications in the embedded database's protocol stream. PGlite is one backend session that every socket
 * connection shares, so a LISTEN made by anyone holds for everyone, and Postgres delivers a notification to
 * that one session in the output of whichever message committed the NOTIFY (before its ReadyForQuery), on
 * whichever connection sent it. PGlite's own `listen` only sees its in-process queries, not the socket's raw
 * streams: the database thread reads them out of the output itself (pglite-listener.ts).
 */

/** A channel name Latchkey interpolates into LISTEN: a fixed identifier, never input. */
export const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** NotificationResponse: 'A', then int32 length, int32 sender pid, channel and payload as C strings. */
const NOTIFICATION = 0x41;
const HEADER_LENGTH = 5;
/** Longer than any notification (a channel name and a payload under 8000 bytes): not read as one. */
const MAX_NOTIFICATION_LENGTH = 16_384;

const decoder = new TextDecoder();

function notificationFields(body: Uint8Array): { channel: string; payload: string } | null {
  const channelEnd = body.indexOf(0, 4);
  const payloadEnd = channelEnd === -1 ? -1 : body.indexOf(0, channelEnd + 1);
  if (payloadEnd === -1) return null;
  return { channel: decoder.decode(body.subarray(4, channelEnd)), payload: decoder.decode(body.subarray(channelEnd + 1, payloadEnd)) };
}

/**
 * Reads the backend's output as it streams (chunks split messages anywhere) and calls `notified` for each
 * NotificationResponse in it. Other messages are skipped by their length, never copied. The stream must
 * start at a message boundary.
 */
export function scanForNotifications(notified: (channel: string, payload: string) => void): (chunk: Uint8Array) => void {
  const header = new Uint8Array(HEADER_LENGTH);
  let headerLength = 0;
  let remaining = 0;
  let body: Uint8Array | null = null;
  let bodyLength = 0;

  const messageEnded = () => {
    const fields = body && notificationFields(body);
    if (fields) notified(fields.channel, fields.payload);
    headerLength = 0;
    body = null;
  };

  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (headerLength < HEADER_LENGTH) {
        header[headerLength++] = chunk[at++]!;
        if (headerLength < HEADER_LENGTH) continue;
        remaining = new DataView(header.buffer).getInt32(1) - 4;
        bodyLength = 0;
        if (header[0] === NOTIFICATION && remaining > 0 && remaining <= MAX_NOTIFICATION_LENGTH) body = new Uint8Array(remaining);
        if (remaining <= 0) messageEnded();
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      body?.set(chunk.subarray(at, at + take), bodyLength);
      bodyLength += take;
      at += take;
      remaining -= take;
      if (remaining === 0) messageEnded();
    }
  };
}

/** Query ('Q') and Parse ('P'): the client messages that carry SQL text. */
const SQL_MESSAGES = new Set([0x51, 0x50]);
const STOPS_LISTENING = /\b(unlisten|discard)\b/i;

/**
 * Whether a client's message may end the shared session's LISTENs (`UNLISTEN`, `DISCARD ALL`): the text is
 * searched as a whole, so a literal or comment that merely names one answers yes too, which costs a re-LISTEN
 * and the server's caches starting afresh, never a missed change.
 */
export function mayStopListening(message: Uint8Array): boolean {
  return SQL_MESSAGES.has(message[0]!) && STOPS_LISTENING.test(decoder.decode(message.subarray(HEADER_LENGTH)));
}

/** A simple-protocol Query message for `sql`. */
export function simpleQuery(sql: string): Uint8Array {
  const text = new TextEncoder().encode(`${sql}\0`);
  const message = new Uint8Array(HEADER_LENGTH + text.length);
  message[0] = 0x51;
  new DataView(message.buffer).setInt32(1, 4 + text.length);
  message.set(text, HEADER_LENGTH);
  return message;
}
