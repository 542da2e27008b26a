import * as client from 'openid-client';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { createNotifiedCache } from '../db/notified-cache.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import { constantTimeEqual } from '../lib/hashing.js';
import { createOutboundFetch, type OutboundFetch } from '../lib/outbound-http.js';
import type { ProviderChanges, ProviderRegistry, ProviderSummary, ResolvedUpstream, UpstreamTransport } from './provider-types.js';
import type { SecretBox } from '../lib/secret-box.js';
import * as repo from './repositories/upstream-provider.repository.js';
import { countFederatedIdentitiesByProvider } from './repositories/federated-identity.repository.js';
import type { ConfiguredUpstream } from './providers/configured-providers.js';
import { genericOidcPolicy, type UpstreamPolicy } from './upstream-policy.js';
import { checkedIssuer, DEFAULT_PROVIDER_SCOPE, isLoopbackHost, PROVIDER_NAME, providerSettingProblems } from './provider-fields.js';

export interface ProviderRegistryDeps {
  db: Database;
  box: SecretBox;
  /** Google, Microsoft and Apple from the environment (their names are then taken), listed first. */
  configured?: readonly ConfiguredUpstream[];
  /** `NODE_ENV=production`: only https issuers, and the private-address guard is always on. */
  production: boolean;
  /** How long a discovered configuration is reused. Default 1 hour. */
  cacheTtlMs?: number;
  /** Budget of each outbound call to an upstream. Default 10 s. */
  timeoutMs?: number;
  clock?: Clock;
  /**
   * The transport and DNS under the outbound helper, for tests that route a real authority's URLs (such as
   * `https://login.microsoftonline.com`) to a loopback fake. The helper's timeout, size limit and address
   * guard still apply on top.
   */
  transport?: UpstreamTransport;
}

/** The channel migration 0025's trigger notifies whenever `upstream_providers` changes. */
export const UPSTREAM_PROVIDER_CHANGES_CHANNEL = 'latchkey_upstream_providers_changed';
/** The payload of that notification: the providers are read and kept as one list, under this key. */
const PROVIDERS_KEY = 'providers';

/** The secret box purpose of a provider's client secret: a sealed secret opens only for its own provider. */
function secretPurpose(name: string): string {
  return `federation client secret:${name}`;
}

function summary(row: repo.UpstreamProviderRow): ProviderSummary {
  return {
    name: row.name,
    display_name: row.display_name,
    issuer: row.issuer,
    client_id: row.client_id,
    has_client_secret: row.client_secret_sealed !== null,
    scopes: row.scopes,
    trusts_email_verification: row.trusts_email_verification,
    created_at: row.created_at,
  };
}

/**
 * Generic upstream OpenID Providers, stored in Postgres with their client secrets sealed, and discovered
 * through openid-client with every request going through the outbound HTTP helper (timeouts, size limit,
 * private-address guard). Discovered configurations are cached per provider for a while, so a sign-in does
 * not fetch the discovery document each time; a failed discovery is not cached.
 *
 * A loopback issuer is accepted only outside production (test upstreams), and only then is the
 * private-address guard off, for that provider alone.
 *
 * Every sign-in page lists the providers (its buttons), so the stored rows are kept in process as one list
 * (db/notified-cache.ts): each replica (or the embedded database's one server) hears every change to the
 * table at commit, whoever made it, and reads the list again. Changes read what they change afresh.
 */
export function createProviderRegistry(deps: ProviderRegistryDeps): ProviderRegistry {
  const { db, box, production } = deps;
  const ttl = deps.cacheTtlMs ?? 60 * 60 * 1000;
  const now = () => (deps.clock ? deps.clock.now() : new Date()).getTime();
  const cache = new Map<string, { upstream: ResolvedUpstream; until: number; version: string }>();
  const rows = createNotifiedCache({ db, channel: UPSTREAM_PROVIDER_CHANGES_CHANNEL, load: () => repo.listUpstreamProviders(db) });
  const storedRows = async () => (await rows.get(PROVIDERS_KEY))!;
  const storedRow = async (name: string) => (PROVIDER_NAME.test(name) ? (await storedRows()).find((row) => row.name === name) : undefined);
  /** Runs a change to the table, then drops this process's list (other processes hear the NOTIFY). */
  async function changing<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      rows.invalidate(PROVIDERS_KEY);
    }
  }

  const checkIssuer = (value: string): URL => checkedIssuer(value, production);

  function outboundFor(issuer: URL): OutboundFetch {
    const loopbackTest = !production && isLoopbackHost(issuer.hostname);
    return createOutboundFetch({ ...deps.transport, blockPrivateAddresses: !loopbackTest, ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}) });
  }

  /** The per-request options every configuration of this upstream gets (discovered or per exchange). */
  function requestOptions(issuerUrl: URL) {
    return {
      fetch: outboundFor(issuerUrl),
      timeoutSeconds: Math.ceil((deps.timeoutMs ?? 10_000) / 1000),
      // Without non-repudiation checks openid-client trusts an ID token from the token endpoint on TLS
      // alone (OIDC Core §3.1.3.7 allows it); Latchkey verifies its signature against the upstream's JWKS.
      execute: [client.enableNonRepudiationChecks, ...(issuerUrl.protocol === 'http:' ? [client.allowInsecureRequests] : [])],
    };
  }

  function clientCredentials(clientSecret: string) {
    return clientSecret === ''
      ? { metadata: undefined, auth: client.None() }
      : { metadata: { client_secret: clientSecret }, auth: client.ClientSecretPost(clientSecret) };
  }

  /** What discovery needs, whether the upstream is stored or configured by the environment. */
  interface UpstreamSource { name: string; displayName: string; issuer: string; clientId: string; policy: UpstreamPolicy }

  function stored(row: repo.UpstreamProviderRow): UpstreamSource {
    const secret = row.client_secret_sealed === null ? '' : box.open(row.client_secret_sealed, secretPurpose(row.name));
    const policy = genericOidcPolicy({ trustsEmailVerification: row.trusts_email_verification, clientSecret: secret, scope: row.scopes });
    return { name: row.name, displayName: row.display_name, issuer: row.issuer, clientId: row.client_id, policy };
  }

  async function discover(source: UpstreamSource): Promise<ResolvedUpstream> {
    const issuerUrl = checkIssuer(source.issuer);
    const { policy } = source;
    const options = requestOptions(issuerUrl);
    const credentials = clientCredentials((await policy.clientAuthentication()).clientSecret);
    const configuration = await client.discovery(issuerUrl, source.clientId, credentials.metadata, credentials.auth, {
      [client.customFetch]: options.fetch,
      timeout: options.timeoutSeconds,
      execute: options.execute,
    });
    const serverMetadata = configuration.serverMetadata();
    const document = JSON.stringify(serverMetadata);
    async function exchangeConfiguration(): Promise<client.Configuration> {
      const fresh = clientCredentials((await policy.clientAuthentication()).clientSecret);
      // Rebuilt by discovery over the document fetched already (no network), not with `new Configuration`:
      // openid-client marks Entra ID's metadata (the `{tenantid}` issuer template, checked against each
      // token's `tid`) with a private symbol that `serverMetadata()` does not copy, and a configuration
      // built from that copy would compare `iss` with the literal template and refuse every Entra token.
      const exchange = await client.discovery(issuerUrl, source.clientId, fresh.metadata, fresh.auth, {
        [client.customFetch]: () => Promise.resolve(new Response(document, { headers: { 'content-type': 'application/json' } })),
        timeout: options.timeoutSeconds,
        execute: options.execute,
      });
      exchange[client.customFetch] = options.fetch;
      return exchange;
    }
    return { name: source.name, displayName: source.displayName, issuer: serverMetadata.issuer, policy, configuration, exchangeConfiguration };
  }

  const configured = new Map((deps.configured ?? []).map((upstream) => [upstream.name as string, upstream]));

  return {
    async add(input) {
      const scope = (input.scope ?? DEFAULT_PROVIDER_SCOPE).trim();
      const displayName = (input.displayName ?? input.name).trim();
      const problems = providerSettingProblems({ clientId: input.clientId, scope, displayName });
      if (!PROVIDER_NAME.test(input.name)) problems.unshift({ path: 'name', message: 'must be 1-32 characters: a lower-case letter, then lower-case letters, digits or -' });
      if (configured.has(input.name)) problems.push({ path: 'name', message: `is taken by the ${input.name} provider configured in the environment` });
      if (problems.length) throw new InvalidRequestError('invalid provider', problems);
      checkIssuer(input.issuer);
      const row = await changing(() => db.transaction(async (tx) => {
        const inserted = await repo.insertUpstreamProvider(tx, {
          name: input.name,
          display_name: displayName,
          issuer: input.issuer,
          client_id: input.clientId,
          client_secret_sealed: input.clientSecret ? box.seal(input.clientSecret, secretPurpose(input.name)) : null,
          scopes: scope,
          claim_mapping: {},
          trusts_email_verification: input.trustEmail ?? false,
        });
        if (inserted) await recordAudit(tx, { type: 'provider.added', details: { provider: inserted.name, issuer: inserted.issuer, trusts_email: inserted.trusts_email_verification } });
        return inserted;
      }));
      if (!row) throw new ConflictError(`a provider named "${input.name}" exists already (create never overwrites; remove it first)`);
      return summary(row);
    },

    list: async () => (await storedRows()).map(summary),

    async update(name, changes) {
      const current = PROVIDER_NAME.test(name) ? await repo.findUpstreamProviderByName(db, name) : undefined;
      if (!current) throw new NotFoundError(`no provider "${name}"`);
      const next = {
        issuer: changes.issuer ?? current.issuer, client_id: changes.clientId ?? current.client_id,
        scopes: (changes.scope ?? current.scopes).trim(), display_name: (changes.displayName ?? current.display_name).trim(),
        trusts_email_verification: changes.trustEmail ?? current.trusts_email_verification,
      };
      const problems = providerSettingProblems({ clientId: next.client_id, scope: next.scopes, displayName: next.display_name });
      if (problems.length) throw new InvalidRequestError('invalid provider', problems);
      checkIssuer(next.issuer);
      const sealed = changes.clientSecret === undefined ? current.client_secret_sealed : changes.clientSecret ? box.seal(changes.clientSecret, secretPurpose(name)) : null;
      const fields = Object.keys(changes).filter((key) => changes[key as keyof ProviderChanges] !== undefined);
      const row = await changing(() => db.transaction(async (tx) => {
        const updated = await repo.updateUpstreamProviderByName(tx, name, { ...next, client_secret_sealed: sealed });
        if (updated) await recordAudit(tx, { type: 'provider.updated', details: { provider: name, fields } });
        return updated;
      }));
      if (!row) throw new NotFoundError(`no provider "${name}"`);
      // The new updated_at also tells other replicas' caches that the discovered configuration is stale.
      cache.delete(name);
      return summary(row);
    },

    async clientSecretMatches(name, secret) {
      const row = PROVIDER_NAME.test(name) ? await repo.findUpstreamProviderByName(db, name) : undefined;
      if (!row?.client_secret_sealed) return false;
      try {
        return constantTimeEqual(box.open(row.client_secret_sealed, secretPurpose(name)), secret);
      } catch {
        return false; // sealed under a secret no longer in LATCHKEY_SECRET: it is not the given one
      }
    },

    async get(name) {
      const row = await storedRow(name);
      if (!row) throw new NotFoundError(`no provider "${name}"`);
      return summary(row);
    },

    async remove(name) {
      const row = await changing(() => db.transaction(async (tx) => {
        const deleted = await repo.deleteUpstreamProviderByName(tx, name);
        if (deleted) await recordAudit(tx, { type: 'provider.removed', details: { provider: deleted.name } });
        return deleted;
      }));
      if (!row) throw new NotFoundError(`no provider "${name}"`);
      cache.delete(name);
      return { removed: summary(row), identitiesKept: await countFederatedIdentitiesByProvider(db, name) };
    },

    buttons: async () => [
      ...[...configured.values()].map((upstream) => ({ name: upstream.name, displayName: upstream.displayName })),
      ...(await storedRows()).filter((row) => !configured.has(row.name)).map((row) => ({ name: row.name, displayName: row.display_name })),
    ],

    async resolve(name) {
      const fromEnvironment = configured.get(name);
      if (fromEnvironment) {
        const cachedConfigured = cache.get(name);
        if (cachedConfigured && cachedConfigured.until > now() && cachedConfigured.version === 'environment') return cachedConfigured.upstream;
        const upstream = await discover(fromEnvironment);
        cache.set(name, { upstream, until: now() + ttl, version: 'environment' });
        return upstream;
      }
      const row = await storedRow(name);
      if (!row) throw new NotFoundError(`no provider "${name}"`);
      const cached = cache.get(name);
      // A provider removed and added again under the same name (another replica may have done it) must not
      // reuse the old configuration or secret.
      const version = `${row.updated_at.getTime()}:${row.issuer}:${row.client_id}`;
      if (cached && cached.until > now() && cached.version === version) return cached.upstream;
      const upstream = await discover(stored(row));
      cache.set(name, { upstream, until: now() + ttl, version });
      return upstream;
    },
  };
}
