import { randomBytes, randomInt } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { digestsEqual, sha256Hex } from '../lib/hashing.js';
import { clientFieldProblems, clientIdProblem } from './client-validation.js';
import { createClientSettings, suppliedSecretProblem, type ClientChanges, type RotatedSecret } from './client-settings.js';
import { logoutSettingsMetadata, logoutSettingsProblems, presentLogoutSettings, type LogoutSettingsInput, type LogoutSettingsView } from './client-logout-settings.js';
import type { ClientLookup } from './client-lookup.js';
import { authFlowsMetadata, authFlowsOf, type AuthFlow } from './client-auth-flows.js';
import * as clients from './repositories/client.repository.js';
import { deleteOidcModelsByClientId } from './repositories/oidc-model.repository.js';

export { SUPPORTED_GRANT_TYPES } from './client-validation.js';

export interface CreateClientInput extends LogoutSettingsInput {
  name: string;
  redirectUris?: readonly string[];
  postLogoutRedirectUris?: readonly string[];
  public?: boolean;
  grantTypes?: readonly string[];
  scope?: string;
  /** The pool owner's own app: users are not asked to consent (as Cognito, or Keycloak with consent off). */
  firstParty?: boolean;
  /** The upstream providers (by name) the app's sign-in offers; omitted: all of them; empty: none. */
  upstreamProviders?: readonly string[];
  /** Whether the app's users may sign themselves up (when the pool allows it). Default true. */
  signup?: boolean;
  /** The Cognito API's sign-in flows it may use (Cognito's ExplicitAuthFlows); default SRP and refresh. */
  explicitAuthFlows?: readonly AuthFlow[];
  /** Tokens also carry Cognito's claims (`token_use`, `cognito:username`, `cognito:groups`, `username`). */
  cognitoClaims?: boolean;
  /** The client id, when the operator chooses it (declarative configuration); else a random one. */
  clientId?: string;
  /** A confidential client's secret, when the operator supplies it; else a random one, returned once. */
  secret?: string;
}

export interface CreatedClient extends LogoutSettingsView {
  client_id: string;
  client_secret?: string;
  name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: string;
  scope: string;
  first_party: boolean;
  /** The upstream providers the app's sign-in offers; null: every configured one. */
  upstream_providers: string[] | null;
  /** Whether the app's users may sign themselves up (when the pool allows it). */
  signup: boolean;
  /** The Cognito API's sign-in flows it may use, by Cognito's `ALLOW_*` names. */
  explicit_auth_flows: AuthFlow[];
  /** Whether its tokens also carry Cognito's claims (oidc/cognito-claims.ts). */
  cognito_claims: boolean;
}

export interface ClientService {
  create(input: CreateClientInput): Promise<CreatedClient>;
  list(): Promise<Omit<CreatedClient, 'client_secret'>[]>;
  /** The clients administrators registered, as `list` presents them: Latchkey's own (account page, console, playground) left out. */
  listRegistered(): Promise<Omit<CreatedClient, 'client_secret'>[]>;
  /** Whether `secret` is the confidential client's current secret (compared with its stored digest); false for a public or unknown client. */
  secretMatches(clientId: string, secret: string): Promise<boolean>;
  /** One client as `list` presents it (never its secret); undefined when there is no such client. */
  find(clientId: string): Promise<Omit<CreatedClient, 'client_secret'> | undefined>;
  delete(clientId: string): Promise<void>;
  /** Changes a client's settings (`client update`) and returns it as `find` does; NotFoundError when unknown. */
  update(clientId: string, changes: ClientChanges): Promise<Omit<CreatedClient, 'client_secret'>>;
  /** A new secret (random, or `secret`) for a confidential client; the previous one keeps working for `graceSeconds` (`client rotate-secret`). */
  rotateSecret(clientId: string, graceSeconds: number, secret?: string): Promise<RotatedSecret>;
  /** Whether the app lets its users sign themselves up (`client create --no-signup` says no); false for an unknown client. */
  signupAllowedFor(clientId: string): Promise<boolean>;
  /** The upstream providers a client's sign-in offers: null for all (also for an unknown client, which has no sign-in). */
  upstreamProvidersOf(clientId: string): Promise<readonly string[] | null>;
  /**
   * Creates or updates one of Latchkey's own clients (the account page): first-party, public with PKCE,
   * authorization code only, redirect URIs derived from LATCHKEY_ISSUER. Idempotent; replicas race safely.
   */
  ensureInternal(input: { clientId: string; name: string; redirectUris: readonly string[]; scope?: string; grantTypes?: readonly string[] }): Promise<void>;
  /**
   * Removes one of Latchkey's own clients and everything issued to it (a feature turned off, such as the
   * playground): its tokens and grants stop working at once. Another client is never touched.
   */
  removeInternal(clientId: string): Promise<void>;
}

function upstreamProviders(metadata: Record<string, unknown>): string[] | null {
  const value = metadata.latchkey_upstream_providers;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

/** Lower-case letters and digits: the alphabet of a generated client id. */
const CLIENT_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new client id: 26 lower-case letters and digits (134 random bits), the shape of a Cognito app client
 * id. It never begins with `-`, which a command line would read as an option (`latchkey client update ID`),
 * and it survives case-folding and copying from a terminal.
 */
export function generateClientId(): string {
  return Array.from({ length: 26 }, () => CLIENT_ID_ALPHABET[randomInt(CLIENT_ID_ALPHABET.length)]).join('');
}

/**
 * Creates and lists OAuth clients. A confidential client's secret is shown once and stored hashed.
 *
 * With `lookup` (the server's), what a sign-in asks of a client (whether it offers sign-up, which upstreams)
 * is answered from the clients kept in process, and every change made here is told to the lookup at once
 * (other processes' changes reach it through NOTIFY). Without it each answer reads the row.
 */
export function createClientService(deps: { db: Database; lookup?: Pick<ClientLookup, 'findProviderMetadata' | 'changed'> }): ClientService {
  const { db, lookup } = deps;
  /** The client's stored metadata (Latchkey's own `latchkey_*` keys included); undefined for an unknown client. */
  async function metadataOf(clientId: string): Promise<Record<string, unknown> | undefined> {
    if (lookup) return lookup.findProviderMetadata(clientId);
    return (await clients.findClientById(db, clientId))?.metadata;
  }
  const settings = createClientSettings({ db });
  /** Runs a change to one client, then tells this process's client lookup (other processes hear the NOTIFY). */
  async function changing<T>(clientId: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      lookup?.changed(clientId);
    }
  }
  function present(row: clients.ClientRow): Omit<CreatedClient, 'client_secret'> {
    const m = row.metadata;
    return {
      client_id: row.client_id,
      name: row.name,
      redirect_uris: (m.redirect_uris as string[] | undefined) ?? [],
      post_logout_redirect_uris: (m.post_logout_redirect_uris as string[] | undefined) ?? [],
      grant_types: (m.grant_types as string[] | undefined) ?? [],
      token_endpoint_auth_method: String(m.token_endpoint_auth_method),
      scope: typeof m.scope === 'string' ? m.scope : '',
      first_party: m.latchkey_first_party === true,
      upstream_providers: upstreamProviders(m),
      signup: m.latchkey_signup !== false,
      explicit_auth_flows: authFlowsOf(m),
      cognito_claims: m.latchkey_cognito_claims === true,
      ...presentLogoutSettings(m),
    };
  }
  return {
    async create(input) {
      const isPublic = input.public ?? false;
      const name = input.name.trim();
      const grantTypes = [...new Set(input.grantTypes ?? ['authorization_code', 'refresh_token'])];
      const usesRedirects = grantTypes.includes('authorization_code');
      const redirectUris = [...(input.redirectUris ?? [])];
      const scopes = (input.scope ?? 'openid profile email offline_access').split(/\s+/).filter(Boolean);
      const upstreams = input.upstreamProviders === undefined ? undefined : [...new Set(input.upstreamProviders)];
      const problems = clientFieldProblems({ name, isPublic, grantTypes, redirectUris, postLogoutRedirectUris: input.postLogoutRedirectUris ?? [], scopes, upstreams });
      problems.push(...logoutSettingsProblems(input));
      const idProblem = input.clientId === undefined ? undefined : clientIdProblem(input.clientId);
      if (idProblem) problems.push({ path: 'client_id', message: idProblem });
      const secretProblem = input.secret === undefined ? undefined : isPublic ? 'a public client has no secret' : suppliedSecretProblem(input.secret);
      if (secretProblem) problems.push({ path: 'client_secret', message: secretProblem });
      if (problems.length) throw new InvalidRequestError('invalid client', problems);

      const clientId = input.clientId ?? generateClientId();
      const secret = isPublic ? undefined : input.secret ?? randomBytes(32).toString('base64url');
      const metadata: Record<string, unknown> = {
        redirect_uris: usesRedirects ? redirectUris : [],
        post_logout_redirect_uris: [...(input.postLogoutRedirectUris ?? [])],
        grant_types: grantTypes,
        response_types: usesRedirects ? ['code'] : [],
        token_endpoint_auth_method: isPublic ? 'none' : 'client_secret_basic',
        scope: scopes.join(' '),
        ...(input.firstParty ? { latchkey_first_party: true } : {}),
        ...(input.cognitoClaims ? { latchkey_cognito_claims: true } : {}),
        // Not provider metadata either: the sign-in page reads it to offer sign-up or not.
        ...(input.signup === false ? { latchkey_signup: false } : {}),
        // Not provider metadata (oidc-provider drops it); the federation's sign-in steps read it.
        ...(upstreams ? { latchkey_upstream_providers: upstreams } : {}),
        ...authFlowsMetadata(input.explicitAuthFlows),
        ...logoutSettingsMetadata(input),
      };
      if (isPublic && redirectUris.some((u) => !u.startsWith('https:'))) metadata.application_type = 'native';
      const row = await db.transaction(async (tx) => {
        const inserted = await clients.insertClient(tx, { clientId, name, secretHash: secret ? sha256Hex(secret) : null, metadata });
        await recordAudit(tx, { type: 'client.created', clientId, details: { public: isPublic, grant_types: grantTypes } });
        return inserted;
      }).catch((error: unknown) => {
        // Only a chosen id can collide (a random one has 128 bits).
        if ((error as { code?: string }).code === '23505') throw new ConflictError(`a client "${clientId}" exists already`);
        throw error;
      });
      return { ...present(row), ...(secret ? { client_secret: secret } : {}) };
    },
    async list() {
      return (await clients.listClients(db)).map(present);
    },
    async listRegistered() {
      return (await clients.listClients(db)).filter((row) => row.metadata.latchkey_internal !== true).map(present);
    },
    async secretMatches(clientId, secret) {
      const row = await clients.findClientById(db, clientId);
      return row?.client_secret_hash != null && digestsEqual(row.client_secret_hash, sha256Hex(secret));
    },
    async find(clientId) {
      const row = await clients.findClientById(db, clientId);
      return row && present(row);
    },
    async update(clientId, changes) {
      await changing(clientId, () => settings.update(clientId, changes));
      const row = await clients.findClientById(db, clientId);
      if (!row) throw new NotFoundError(`no client "${clientId}"`);
      return present(row);
    },
    rotateSecret: (clientId, graceSeconds, secret) => changing(clientId, () => settings.rotateSecret(clientId, graceSeconds, secret)),
    async signupAllowedFor(clientId) {
      const metadata = await metadataOf(clientId);
      return metadata !== undefined && metadata.latchkey_signup !== false;
    },
    async upstreamProvidersOf(clientId) {
      const metadata = await metadataOf(clientId);
      return metadata ? upstreamProviders(metadata) : null;
    },
    async ensureInternal(input) {
      await changing(input.clientId, () => clients.upsertClient(db, {
        clientId: input.clientId,
        name: input.name,
        metadata: {
          redirect_uris: [...input.redirectUris],
          post_logout_redirect_uris: [],
          grant_types: [...(input.grantTypes ?? ['authorization_code'])],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
          scope: input.scope ?? 'openid',
          latchkey_first_party: true,
          latchkey_internal: true,
        },
      }));
    },
    async removeInternal(clientId) {
      await changing(clientId, () => db.transaction(async (tx) => {
        const existing = await clients.findClientById(tx, clientId);
        if (existing?.metadata.latchkey_internal !== true) return;
        await clients.deleteClientById(tx, clientId);
        await deleteOidcModelsByClientId(tx, clientId);
        await recordAudit(tx, { type: 'client.deleted', clientId, details: { internal: true } });
      }));
    },
    async delete(clientId) {
      // The client and everything issued to it go together: its tokens stop working at once.
      const existing = await clients.findClientById(db, clientId);
      if (existing?.metadata.latchkey_internal === true) throw new InvalidRequestError(`"${clientId}" is Latchkey's own client and cannot be deleted`);
      await changing(clientId, () => db.transaction(async (tx) => {
        if (!(await clients.deleteClientById(tx, clientId))) throw new NotFoundError(`no client "${clientId}"`);
        await deleteOidcModelsByClientId(tx, clientId);
        await recordAudit(tx, { type: 'client.deleted', clientId });
      }));
    },
  };
}
