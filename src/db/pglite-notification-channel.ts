import type { Worker } from 'node:worker_threads';
import { CHANNEL_NAME } from './backend-notifications.js';
import type { NotificationChannel, NotificationListener } from './notification-channel.js';
import type { ListenerReport, ListenRequest } from './pglite-listener.js';

/**
 * The embedded database's notifications, as the process sees them: the same NotificationChannel as the
 * dedicated listening connection on Postgres (notification-channel.ts), fed by the database thread over its
 * message port instead (it LISTENs on the shared session and reads notifications out of every connection's
 * output, see pglite-listener.ts). A channel counts as listened to once the thread confirmed its LISTEN;
 * when the thread says a connection may have ended the session's LISTENs, or the thread ends, subscribers
 * are told they lost it, and again that they listen once the thread LISTENed anew.
 */
export function createPGliteNotificationChannel(worker: Worker): NotificationChannel {
  const subscribers = new Map<string, Set<NotificationListener>>();
  const listened = new Set<string>();
  let closed = false;

  const each = (channels: Iterable<string>, call: (listener: NotificationListener) => void) => {
    for (const channel of channels) for (const listener of subscribers.get(channel) ?? []) call(listener);
  };
  const lostAll = () => {
    const were = [...listened];
    listened.clear();
    each(were, (listener) => listener.lost());
  };

  const onReport = (report: ListenerReport | { kind: string }) => {
    if (closed) return;
    const message = report as ListenerReport;
    if (message.kind === 'notification') {
      if (listened.has(message.channel)) each([message.channel], (listener) => listener.notified(message.payload));
    } else if (message.kind === 'listening') {
      const fresh = message.channels.filter((channel) => subscribers.has(channel));
      for (const channel of fresh) listened.add(channel);
      each(fresh, (listener) => listener.listening());
    } else if (message.kind === 'unlistened') {
      lostAll();
    }
  };
  const onExit = () => lostAll();
  worker.on('message', onReport);
  worker.once('exit', onExit);

  return {
    listen(channel, listener) {
      if (!CHANNEL_NAME.test(channel)) throw new Error(`invalid notification channel name: ${channel}`);
      const set = subscribers.get(channel) ?? new Set();
      const isNewChannel = set.size === 0 && !subscribers.has(channel);
      set.add(listener);
      subscribers.set(channel, set);
      if (listened.has(channel)) listener.listening();
      else if (isNewChannel && !closed) worker.postMessage({ kind: 'listen', channel } satisfies ListenRequest);
      return () => {
        set.delete(listener);
      };
    },
    async close() {
      closed = true;
      worker.off('message', onReport);
      worker.off('exit', onExit);
      listened.clear();
    },
  };
}
