import { CHANNEL_NAME, mayStopListening, scanForNotifications, simpleQuery } from './backend-notifications.ts';
import { OWN_TURN, type SessionTurns, type TurnObserver } from './pglite-session-turns.ts';

/**
 * The database thread's side of notifications (the process's side is pglite-notification-channel.ts).
 * The thread LISTENs on the shared session for the channels the process asked for, as a turn of its own, and
 * relays every notification it reads in any turn's output, whichever connection committed the NOTIFY: the
 * server's pool, a `latchkey` command attached to the socket, or plain SQL through it. Postgres delivers one
 * notification per NOTIFY to the one session however many LISTENs name the channel, so a connection's own
 * LISTEN neither hides nor repeats one. Notifications still reach the connection that committed them, as
 * they would a session that listens on Postgres.
 *
 * A connection's UNLISTEN or DISCARD ALL would end the session's LISTENs for everyone: before such a message
 * runs the process is told that nothing is announced any more (its caches keep nothing), and the thread
 * LISTENs again in its next turn of its own, then says so.
 */

/** Messages to the process: LISTEN in effect on these channels, LISTENs may be gone, a notification. */
export type ListenerReport =
  | { kind: 'listening'; channels: string[] }
  | { kind: 'unlistened' }
  | { kind: 'notification'; channel: string; payload: string };

/** The message from the process: listen on `channel`. */
export interface ListenRequest { kind: 'listen'; channel: string }

export interface PGliteListener {
  /** Passed to scheduleWholeSessionTurns: reads every turn's output for notifications. */
  observe: TurnObserver;
  /** Starts listening on `channel` (once the session's turns are scheduled, see `attach`). */
  listen(channel: string): void;
  /** Gives the listener the session's turns, through which it runs its LISTENs. */
  attach(turns: SessionTurns): void;
  /** For PGlite's `onNotification`: notifications in output PGlite reads itself (its in-process queries). */
  readonly notified: (channel: string, payload: string) => void;
}

export function createPGliteListener(report: (message: ListenerReport) => void): PGliteListener {
  const channels = new Set<string>();
  let turns: SessionTurns | undefined;

  const notified = (channel: string, payload: string) => report({ kind: 'notification', channel, payload });
  let scan = scanForNotifications(notified);

  async function listenOn(names: string[]): Promise<void> {
    if (!turns || names.length === 0) return;
    try {
      for (const name of names) await turns.runOwn(simpleQuery(`LISTEN ${name}`));
      report({ kind: 'listening', channels: names });
    } catch {
      // Never confirmed: the process keeps nothing on these channels, which is slower, never stale.
    }
  }

  return {
    observe: {
      message(message, handlerId) {
        if (handlerId !== OWN_TURN && channels.size > 0 && mayStopListening(message)) {
          report({ kind: 'unlistened' });
          // Queued behind this message's turn: LISTEN again once that turn is over.
          void listenOn([...channels]);
        }
      },
      output: (chunk) => scan(chunk),
      // Output read in process by PGlite itself (the socket library's ROLLBACK for a connection that went
      // away) never reaches this stream: starting afresh at each boundary keeps the scanner in step.
      realign() {
        scan = scanForNotifications(notified);
      },
    },
    listen(channel) {
      if (!CHANNEL_NAME.test(channel)) return;
      channels.add(channel); // asked again (LISTEN is idempotent), it is confirmed again
      void listenOn([channel]);
    },
    notified,
    attach(next) {
      turns = next;
      void listenOn([...channels]);
    },
  };
}
