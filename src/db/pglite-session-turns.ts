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

/** ReadyForQuery with transaction status idle: 'Z', length 5, 'I'. */
const READY_IDLE = [0x5a, 0, 0, 0, 5, 0x49];

function endsReadyIdle(tail: number[]): boolean {
  return tail.length === READY_IDLE.length && tail.every((byte, i) => byte === READY_IDLE[i]);
}

function isQueryQueue(value: unknown): value is QueryQueue {
  const q = value as Partial<QueryQueue> | null;
  return !!q && Array.isArray(q.queue) && typeof q.processQueue === 'function' && typeof q.clearTransactionIfNeeded === 'function'
    && typeof q.db?.runExclusive === 'function' && typeof q.db.execProtocolRawStream === 'function';
}

/** Makes `server` (a started or not yet started PGLiteSocketServer) schedule whole session turns. */
export function scheduleWholeSessionTurns(server: object): void {
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
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(item.message, {
            onRawData: (chunk) => {
              bytes += chunk.length;
              tail = [...tail, ...chunk.subarray(Math.max(0, chunk.length - READY_IDLE.length))].slice(-READY_IDLE.length);
              item.onData(chunk);
            },
          }));
        } catch (error) {
          owner = null;
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        owner = endsReadyIdle(tail) ? null : item.handlerId;
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
    await rollBackIfNeeded(handlerId);
    if (owner === handlerId) {
      owner = null;
      await queue.processQueue();
    }
  };
}
