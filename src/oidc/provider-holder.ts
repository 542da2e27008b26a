import type Provider from 'oidc-provider';
import type { Logger } from '../lib/logger.js';
import type { KeySet, SigningKeyService } from './signing-keys.js';

/**
 * Holds the current provider and rebuilds it when the signing-key set changes (after `latchkey keys
 * rotate`, from any replica or the CLI). oidc-provider takes its keys at construction, and all of its state
 * lives in Postgres, so swapping the instance between requests loses nothing.
 */
export interface ProviderHolder {
  readonly provider: Provider;
  readonly keySet: KeySet;
  /** Reloads keys if they changed; returns whether the provider was rebuilt. */
  refresh(): Promise<boolean>;
  startPolling(intervalSeconds: number): void;
  stop(): void;
}

export async function createProviderHolder(deps: {
  keys: SigningKeyService;
  build: (keySet: KeySet) => Provider;
  logger: Logger;
}): Promise<ProviderHolder> {
  let keySet = await deps.keys.load();
  let provider = deps.build(keySet);
  let timer: NodeJS.Timeout | undefined;
  const holder: ProviderHolder = {
    get provider() { return provider; },
    get keySet() { return keySet; },
    async refresh() {
      const version = await deps.keys.version();
      if (version === keySet.version) return false;
      const next = await deps.keys.load();
      provider = deps.build(next);
      keySet = next;
      deps.logger.info({ kids: next.publicJwks.map((k) => k.kid) }, 'signing keys reloaded');
      return true;
    },
    startPolling(intervalSeconds) {
      timer = setInterval(() => {
        holder.refresh().catch((error: unknown) => deps.logger.warn({ err: error }, 'signing key refresh failed'));
      }, intervalSeconds * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
  return holder;
}
