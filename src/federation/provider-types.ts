import type * as client from 'openid-client';
import type { OutboundHttpOptions } from '../lib/outbound-http.js';
import type { UpstreamPolicy } from './upstream-policy.js';

/** The shapes of the provider registry (provider-registry.ts), imported by its many callers. */

/** The transport and DNS under the outbound helper's checks (tests route real authority URLs to fakes). */
export type UpstreamTransport = Pick<OutboundHttpOptions, 'fetch' | 'resolve'>;

/** What `latchkey provider add` stores. */
export interface NewProviderInput {
  name: string;
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  scope?: string | undefined;
  displayName?: string | undefined;
  trustEmail?: boolean | undefined;
}

/** What `update` may change; an omitted field stays as it is, `clientSecret: null` removes the secret. */
export interface ProviderChanges {
  issuer?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | null | undefined;
  scope?: string | undefined;
  displayName?: string | undefined;
  trustEmail?: boolean | undefined;
}

/** A provider as shown to administrators: never its secret. */
export interface ProviderSummary {
  name: string;
  display_name: string;
  issuer: string;
  client_id: string;
  has_client_secret: boolean;
  scopes: string;
  trusts_email_verification: boolean;
  created_at: Date;
}

/** An upstream ready for a sign-in: its discovered configuration and its policy. */
export interface ResolvedUpstream {
  name: string;
  displayName: string;
  /** The issuer identifier as discovered (what identities are keyed on). */
  issuer: string;
  policy: UpstreamPolicy;
  /** The discovered configuration, for building authorization URLs (it carries no fresh client secret). */
  configuration: client.Configuration;
  /**
   * A configuration for one token exchange, with the client credentials the policy gives now: Apple's
   * secret is a JWT the policy renews, so it is asked for at every exchange and never cached here.
   */
  exchangeConfiguration(): Promise<client.Configuration>;
}

export interface ProviderRegistry {
  /** Adds a generic provider; a provider of that name is never overwritten (ConflictError). */
  add(input: NewProviderInput): Promise<ProviderSummary>;
  list(): Promise<ProviderSummary[]>;
  /** One stored provider (never its secret); NotFoundError when there is none. */
  get(name: string): Promise<ProviderSummary>;
  /** Changes a stored provider's settings (validated as `add` validates them); NotFoundError when there is none. */
  update(name: string, changes: ProviderChanges): Promise<ProviderSummary>;
  /** Whether `secret` is the stored provider's client secret (false when it has none, or there is no such provider). */
  clientSecretMatches(name: string, secret: string): Promise<boolean>;
  /** Removes a provider; its identities (and their users) stay. */
  remove(name: string): Promise<{ removed: ProviderSummary; identitiesKept: number }>;
  /** The buttons of the sign-in page, in name order. */
  buttons(): Promise<{ name: string; displayName: string }[]>;
  /** Discovers (or takes from the cache) the upstream `name`; NotFoundError when there is none. */
  resolve(name: string): Promise<ResolvedUpstream>;
}
