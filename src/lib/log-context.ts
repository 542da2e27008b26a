import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving a request carries: the request's id. */
export interface LogContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` added to every log line it writes (see createLogger's mixin). */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

/**
 * The fields of the work in progress, as a new object (pino merges each line's fields into what its mixin
 * returns); none outside a request (start-up, periodic jobs).
 */
export function currentLogContext(): Partial<LogContext> {
  const context = storage.getStore();
  return context ? { requestId: context.requestId } : {};
}
