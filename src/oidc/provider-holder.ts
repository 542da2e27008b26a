import type Provider from 'oidc-provider';
import type { Logger } from '../lib/logger.js';
import type { KeySet, SigningKeyService } from './signing-keys.js';

/** What a provider instance is built from, besides static configuration. */
export interface ProviderInputs {
  keySet: KeySet;
  /** Declared custom attributes, released as `custom:NAME` claims with the profile scope. */
  customClaims: readonly string[];
}

/**
 * Holds the current provider and rebuilds it when its inputs change: the signing-key set (after
 * `latchkey keys rotate`, from any replica or the CLI) or the declared custom attributes. oidc-provider
 * takes keys and claims at construction, and all of its state lives in Postgres, so swapping the
 * instance between requests loses nothing.
 */
export interface ProviderHolder {
  readonly provider: Provider;
  readonly keySet: KeySet;
  /** Reloads inputs if they changed; returns whether the provider was rebuilt. */
  refresh(): Promise<boolean>;
  startPolling(intervalSeconds: number): void;
  stop(): void;
}

export async function createProviderHolder(deps: {
  keys: SigningKeyService;
  customClaims: () => Promise<string[]>;
  build: (inputs: ProviderInputs) => Provider;
  logger: Logger;
}): Promise<ProviderHolder> {
  const load = async (): Promise<ProviderInputs & { version: string }> => {
    const [keySet, customClaims] = await Promise.all([deps.keys.load(), deps.customClaims()]);
    return { keySet, customClaims, version: `${keySet.version}|${customClaims.join(',')}` };
  };
  const versionNow = async () => {
    const [keys, claims] = await Promise.all([deps.keys.version(), deps.customClaims()]);
    return `${keys}|${claims.join(',')}`;
  };
  let inputs = await load();
  let provider = deps.build(inputs);
  let timer: NodeJS.Timeout | undefined;
  const holder: ProviderHolder = {
    get provider() { return provider; },
    get keySet() { return inputs.keySet; },
    async refresh() {
      if ((await versionNow()) === inputs.version) return false;
      const next = await load();
      provider = deps.build(next);
      inputs = next;
      deps.logger.info({ kids: next.keySet.publicJwks.map((k) => k.kid), customClaims: next.customClaims.length }, 'provider rebuilt with new keys or claims');
      return true;
    },
    startPolling(intervalSeconds) {
      timer = setInterval(() => {
        holder.refresh().catch((error: unknown) => deps.logger.warn({ err: error }, 'provider refresh failed'));
      }, intervalSeconds * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
  return holder;
}
