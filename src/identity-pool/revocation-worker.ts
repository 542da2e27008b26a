import type { Logger } from '../lib/logger.js';
import type { RevocationService } from './revocation-service.js';

/** Short: a revocation waiting here is a credential that still works. The due-job query is one index probe. */
export const REVOCATION_INTERVAL_SECONDS = 10;

/**
 * Runs the revocation worker now and then every `intervalSeconds` in every replica: claims are
 * `SKIP LOCKED` with a lease, so replicas share the work without a lock and a dead replica's job is taken
 * over. Rounds never overlap within a process. The returned stop waits for a round in flight, so the
 * database is not closed under it. Timers are unref'd: the worker never keeps the process alive.
 */
export function scheduleRevocationWorker(deps: { revocations: RevocationService; logger: Logger; intervalSeconds?: number }): () => Promise<void> {
  const { revocations, logger } = deps;
  let running: Promise<void> | undefined;
  let stopped = false;
  const round = () => {
    if (running || stopped) return;
    running = revocations.runDue()
      .then((revoked) => { if (revoked) logger.info({ task: 'revocations', revoked }, 'pending revocations carried out'); })
      .catch((error: unknown) => logger.warn({ err: error, task: 'revocations' }, 'revocation worker round failed'))
      .finally(() => { running = undefined; });
  };
  const timer = setInterval(round, (deps.intervalSeconds ?? REVOCATION_INTERVAL_SECONDS) * 1000);
  timer.unref();
  round();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
