import { describe, expect, it } from 'vitest';
import { mayStopListening, scanForNotifications, simpleQuery } from '../../src/db/backend-notifications.js';

/** A backend message: type byte, int32 length (itself included), body. */
function message(type: string, body: Uint8Array = new Uint8Array()): Uint8Array {
  const bytes = new Uint8Array(5 + body.length);
  bytes[0] = type.charCodeAt(0);
  new DataView(bytes.buffer).setInt32(1, 4 + body.length);
  bytes.set(body, 5);
  return bytes;
}

function notification(channel: string, payload: string): Uint8Array {
  const text = new TextEncoder().encode(`${channel}\0${payload}\0`);
  const body = new Uint8Array(4 + text.length);
  new DataView(body.buffer).setInt32(0, 42);
  body.set(text, 4);
  return message('A', body);
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('notifications in the backend output', () => {
  // CommandComplete, a DataRow of 20 kB, notifications (one payload looks like a message), ReadyForQuery.
  const stream = concat(
    message('C', new TextEncoder().encode('UPDATE 1\0')),
    message('D', new Uint8Array(20_000).fill(0x41)),
    notification('latchkey_client_changed', 'app-1'),
    notification('latchkey_client_changed', 'Z\x01\x02\x03\x05I'),
    message('Z', new Uint8Array([0x49])),
  );

  it('finds each notification with its channel and payload, in order, however the output is cut into chunks', () => {
    for (const size of [1, 2, 5, 7, 4096, stream.length]) {
      const heard: string[] = [];
      const scan = scanForNotifications((channel, payload) => heard.push(`${channel}:${payload}`));
      for (let at = 0; at < stream.length; at += size) scan(stream.subarray(at, at + size));
      expect(heard, `chunks of ${size}`).toEqual(['latchkey_client_changed:app-1', 'latchkey_client_changed:Z\x01\x02\x03\x05I']);
    }
  });

  it('goes on across outputs: a message cut between two turns is read whole', () => {
    const heard: string[] = [];
    const scan = scanForNotifications((channel, payload) => heard.push(`${channel}:${payload}`));
    const whole = notification('latchkey_pool_settings_changed', 'settings');
    scan(whole.subarray(0, 9));
    scan(concat(whole.subarray(9), message('Z', new Uint8Array([0x49]))));
    expect(heard).toEqual(['latchkey_pool_settings_changed:settings']);
  });

  it('a client message may stop the shared LISTENs when it is a query or a parse that names UNLISTEN or DISCARD', () => {
    expect(mayStopListening(simpleQuery('UNLISTEN *'))).toBe(true);
    expect(mayStopListening(simpleQuery('discard all'))).toBe(true);
    expect(mayStopListening(message('P', new TextEncoder().encode('\0Unlisten latchkey_client_changed\0\0\0')))).toBe(true);
    expect(mayStopListening(simpleQuery('SELECT 1'))).toBe(false);
    expect(mayStopListening(simpleQuery('SELECT discarded_at FROM t'))).toBe(false);
    expect(mayStopListening(message('B', new TextEncoder().encode('\0\0unlisten')))).toBe(false);
  });
});
