/**
 * PGlite is a single backend session, and `@electric-sql/pglite-socket` (0.2.17) serves it to several
 * connections by queueing their protocol messages one by one. It keeps one connection's turn only while a
 * transaction is open, so messages of an extended-protocol exchange (Parse, Bind, Execute, Sync) from two
 * connections interleave, and one runs the other's statement or finds its portal gone ("portal \"\" does
 * not exist"; upstream electric-sql/pglite#1046, fix proposed in #977, both open).
 *
 * This gives a connection the session from its first message until the backend says it is ready for a
 * query and idle (ReadyForQuery 'Z' with status 'I'): a whole exchange, and a whole transaction, run as one
 * turn; other connections' messages wait in the queue meanwhile. It replaces the queue's scheduling method on
 * one server instance; the queue's shape is checked first, so a changed library fails loudly at start-up.
 */

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (chunk: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

interface SessionDb {
  isInTransaction(): boolean;
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
  execProtocolRawStream(message: Uint8Array, options: { onRawData: (chunk: Uint8Array) => void }): Promise<unknown>;
}

interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  /** Read by the library's own clean-up: whose transaction to roll back when a connection goes away. */
  lastHandlerId: number | null;
  db: SessionDb;
  processQueue(): Promise<void>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

/**
 * Sees what the session runs and answers. The output is one stream across messages: the backend flushes it
 * when its buffer fills and at ReadyForQuery, so a message's output may begin with the rest of an earlier
 * message's (an Execute's rows can arrive with the Sync after it). The thread's own queries pass through it
 * too (with the handler id OWN_TURN).
 */
export interface TurnObserver {
  /** A message, before it runs. */
  message(message: Uint8Array, handlerId: number): void;
  /** The backend's output, as it streams. */
  output(chunk: Uint8Array): void;
  /** The output is between two messages: it ended with a ReadyForQuery, or a message failed. */
  realign(): void;
}

/** The handler id of the thread's own queries (the library numbers connections from 1). */
export const OWN_TURN = -1;

export interface SessionTurns {
  /**
   * Runs `message` (a whole simple-protocol query) as a turn of the thread's own, between connections' turns
   * (never inside a transaction a connection left open); resolves with its output, or rejects with the
   * backend's error.
   */
  runOwn(message: Uint8Array): Promise<Uint8Array>;
}

/** ReadyForQuery with transaction status idle: 'Z', length 5, 'I'. */
const READY_IDLE = [0x5a, 0, 0, 0, 5, 0x49];

function endsReadyIdle(tail: number[]): boolean {
  return tail.length === READY_IDLE.length && tail.every((byte, i) => byte === READY_IDLE[i]);
}

/** ReadyForQuery with any transaction status: the output is flushed up to a message boundary. */
function endsReady(tail: number[]): boolean {
  return tail.length === READY_IDLE.length && tail.slice(0, -1).every((byte, i) => byte === READY_IDLE[i]);
}

function isQueryQueue(value: unknown): value is QueryQueue {
  const q = value as Partial<QueryQueue> | null;
  return !!q && Array.isArray(q.queue) && typeof q.processQueue === 'function' && typeof q.clearTransactionIfNeeded === 'function'
    && typeof q.db?.runExclusive === 'function' && typeof q.db.execProtocolRawStream === 'function' && typeof q.db.isInTransaction === 'function';
}

/** Makes `server` (a started or not yet started PGLiteSocketServer) schedule whole session turns. */
export function scheduleWholeSessionTurns(server: object, observe?: TurnObserver): SessionTurns {
  const queue: unknown = (server as { queryQueue?: unknown }).queryQueue;
  if (!isQueryQueue(queue)) throw new Error('@electric-sql/pglite-socket changed shape: its query queue cannot be made to keep session turns');
  let owner: number | null = null;

  queue.processQueue = async function processWholeTurns(this: QueryQueue): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const index = owner === null ? 0 : this.queue.findIndex((item) => item.handlerId === owner);
        if (index === -1) break; // the turn's owner has not sent its next message yet
        const [item] = this.queue.splice(index, 1);
        if (!item) break;
        let tail: number[] = [];
        let bytes = 0;
        observe?.message(item.message, item.handlerId);
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(item.message, {
            onRawData: (chunk) => {
              observe?.output(chunk);
              bytes += chunk.length;
              tail = [...tail, ...chunk.subarray(Math.max(0, chunk.length - READY_IDLE.length))].slice(-READY_IDLE.length);
              item.onData(chunk);
            },
          }));
        } catch (error) {
          owner = null;
          observe?.realign();
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        owner = endsReadyIdle(tail) ? null : item.handlerId;
        if (endsReady(tail)) observe?.realign();
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  // A connection that goes away ends its turn, but only after the library rolled back the transaction it
  // left open: until then nobody else may run inside that transaction.
  const rollBackIfNeeded = queue.clearTransactionIfNeeded.bind(queue);
  queue.clearTransactionIfNeeded = async (handlerId: number) => {
    // The library's test: its ROLLBACK runs in process, and takes whatever output was still unflushed.
    const rollsBack = queue.db.isInTransaction() && queue.lastHandlerId === handlerId;
    await rollBackIfNeeded(handlerId);
    if (rollsBack) observe?.realign();
    if (owner === handlerId) {
      owner = null;
      await queue.processQueue();
    }
  };

  return {
    runOwn(message) {
      return new Promise((resolve, reject) => {
        const output: Uint8Array[] = [];
        queue.queue.push({
          handlerId: OWN_TURN,
          message,
          onData: (chunk) => output.push(chunk.slice()),
          resolve: () => {
            const all = Buffer.concat(output);
            // ErrorResponse ('E') among the output: the statement failed (the session is idle again).
            if (hasError(all)) reject(new Error('the database refused the thread\'s own query'));
            else resolve(all);
          },
          reject,
        });
        void queue.processQueue();
      });
    },
  };
}

/** Whether an output of whole messages holds an ErrorResponse. */
function hasError(output: Buffer): boolean {
  for (let at = 0; at + 5 <= output.length; at += 1 + output.readInt32BE(at + 1)) {
    if (output[at] === 0x45) return true;
  }
  return false;
}
