import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<object>();

/**
 * Runs `work` as one request: everything it awaits sees the same fresh object, which request-bound memos key
 * on (oidc/token-grant-memo.ts), so that nothing they hold outlives the request or reaches another one.
 */
export function withRequestScope<T>(work: () => T): T {
  return storage.run({}, work);
}

/** The current request's scope object; undefined outside a request (jobs, the CLI). */
export function currentRequestScope(): object | undefined {
  return storage.getStore();
}
