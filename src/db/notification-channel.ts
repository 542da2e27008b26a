import pg from 'pg';

/**
 * What a subscriber to Postgres notifications is told. Notifications are delivered at most once and only
 * while the listening connection is up, so a subscriber that derives state from them (a cache) must drop
 * that state whenever it may have missed one: `lost` (the connection went away) and `listening` (LISTEN is
 * in effect again, and anything committed in between was never announced).
 */
export interface NotificationListener {
  listening(): void;
  lost(): void;
  notified(payload: string): void;
}

export interface NotificationChannel {
  /** Subscribes to `channel` (a fixed identifier, never input); returns the unsubscribe function. */
  listen(channel: string, listener: NotificationListener): () => void;
  close(): Promise<void>;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RETRY_MS = { first: 500, max: 30_000 };

/**
 * One dedicated connection (outside the pool, so it never holds a pooled connection nor counts in its
 * figures) that LISTENs on the channels subscribers asked for, opened with the first subscription and
 * re-opened with backoff when it drops. Postgres sends a NOTIFY only when its transaction commits.
 */
export function createNotificationChannel(config: pg.ClientConfig): NotificationChannel {
  const subscribers = new Map<string, Set<NotificationListener>>();
  let client: pg.Client | null = null;
  let connecting = false;
  let closed = false;
  let retryMs = RETRY_MS.first;
  let retryTimer: NodeJS.Timeout | undefined;

  const each = (channel: string | null, call: (listener: NotificationListener) => void) => {
    for (const [name, set] of subscribers) if (channel === null || name === channel) for (const listener of set) call(listener);
  };

  function scheduleRetry(): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MS.max);
  }

  function drop(dead: pg.Client): void {
    if (client !== dead) return;
    client = null;
    dead.removeAllListeners('notification');
    dead.end().catch(() => {});
    each(null, (listener) => listener.lost());
    scheduleRetry();
  }

  async function connect(): Promise<void> {
    if (closed || client || connecting || subscribers.size === 0) return;
    connecting = true;
    const next = new pg.Client(config);
    next.on('error', () => drop(next));
    next.on('end', () => drop(next));
    next.on('notification', (message) => each(message.channel, (listener) => listener.notified(message.payload ?? '')));
    try {
      await next.connect();
      // Channels subscribed while this connection was being opened are listened to before anyone is told.
      const listened = new Set<string>();
      for (let pending = [...subscribers.keys()]; pending.length; pending = [...subscribers.keys()].filter((c) => !listened.has(c))) {
        for (const channel of pending) {
          await next.query(`LISTEN ${channel}`);
          listened.add(channel);
        }
      }
      if (closed) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      retryMs = RETRY_MS.first;
      each(null, (listener) => listener.listening());
    } catch {
      next.end().catch(() => {});
      scheduleRetry();
    } finally {
      connecting = false;
    }
  }

  return {
    listen(channel, listener) {
      if (!CHANNEL_NAME.test(channel)) throw new Error(`invalid notification channel name: ${channel}`);
      const isNewChannel = !subscribers.has(channel);
      const set = subscribers.get(channel) ?? new Set();
      set.add(listener);
      subscribers.set(channel, set);
      if (client && isNewChannel) {
        const current = client;
        current.query(`LISTEN ${channel}`).then(() => listener.listening(), () => drop(current));
      } else if (client) {
        listener.listening();
      } else {
        void connect();
      }
      return () => {
        set.delete(listener);
      };
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
