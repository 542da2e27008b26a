import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { sha256Hex } from '../lib/hashing.js';
import { clientFieldProblems } from './client-validation.js';
import { logoutSettingsMetadata, logoutSettingsProblems } from './client-logout-settings.js';
import * as settings from './repositories/client-settings.repository.js';
import { authFlowsMetadata, type AuthFlow } from './client-auth-flows.js';

/** The longest grace period of a rotated secret: 30 days. */
export const MAX_SECRET_GRACE_SECONDS = 30 * 86_400;

/** The shortest secret an operator may supply (Latchkey's own are 43 characters of base64url, 256 bits). */
export const MIN_SUPPLIED_SECRET_LENGTH = 32;

/** The problem with a secret an operator supplies, or undefined when it may be used. */
export function suppliedSecretProblem(secret: string): string | undefined {
  return secret.length >= MIN_SUPPLIED_SECRET_LENGTH && secret.length <= 512 ? undefined : `must be ${MIN_SUPPLIED_SECRET_LENGTH} to 512 characters`;
}

/** What `client update` may change; an omitted field stays as it is, a list given replaces the stored one. */
export interface ClientChanges {
  name?: string;
  redirectUris?: readonly string[];
  postLogoutRedirectUris?: readonly string[];
  scope?: string;
  /** Replaces the grant types (a public client still cannot use client_credentials). */
  grantTypes?: readonly string[];
  firstParty?: boolean;
  /** null: every configured provider; []: none. */
  upstreamProviders?: readonly string[] | null;
  signup?: boolean;
  /** A back-channel logout URI; null: the app is no longer told of sign-outs. */
  backchannelLogoutUri?: string | null;
  /** Whether its logout tokens must name the session (only with a back-channel URI). */
  backchannelLogoutSessionRequired?: boolean;
  skipLogoutConfirmation?: boolean;
  /** Replaces the Cognito API's sign-in flows it may use. */
  explicitAuthFlows?: readonly AuthFlow[];
  /** Whether its tokens also carry Cognito's claims. */
  cognitoClaims?: boolean;
}

export interface RotatedSecret {
  client_id: string;
  client_secret: string;
  /** Until when the previous secret still works (ISO 8601); null: it stopped working at once. */
  previous_secret_expires_at: string | null;
}

export interface ClientSettings {
  /** Changes an application's settings, checked by the rules `create` applies; never its secret nor its type. */
  update(clientId: string, changes: ClientChanges): Promise<void>;
  /**
   * A new secret for a confidential client; the old one keeps working for `graceSeconds` (0: not at all).
   * `secret` is the new value when the operator supplies it (declarative configuration); else a random one.
   */
  rotateSecret(clientId: string, graceSeconds: number, secret?: string): Promise<RotatedSecret>;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Changing registered applications after `client create`: settings, and the secret by rotation. */
export function createClientSettings(deps: { db: Database }): ClientSettings {
  const { db } = deps;
  return {
    async update(clientId, changes) {
      await db.transaction(async (tx) => {
        const row = await settings.findClientSettingsForUpdate(tx, clientId);
        if (!row) throw new NotFoundError(`no client "${clientId}"`);
        const m = row.metadata;
        if (m.latchkey_internal === true) throw new InvalidRequestError(`"${clientId}" is Latchkey's own client and cannot be changed`);
        const isPublic = m.token_endpoint_auth_method === 'none';
        const grantTypes = changes.grantTypes ? [...new Set(changes.grantTypes)] : strings(m.grant_types);
        const usesRedirects = grantTypes.includes('authorization_code');
        const name = (changes.name ?? row.name).trim();
        const redirectUris = [...(changes.redirectUris ?? strings(m.redirect_uris))];
        const postLogoutRedirectUris = [...(changes.postLogoutRedirectUris ?? strings(m.post_logout_redirect_uris))];
        const scopes = (changes.scope ?? (typeof m.scope === 'string' ? m.scope : '')).split(/\s+/).filter(Boolean);
        const stored = Array.isArray(m.latchkey_upstream_providers) ? strings(m.latchkey_upstream_providers) : undefined;
        const upstreams = changes.upstreamProviders === undefined ? stored : changes.upstreamProviders === null ? undefined : [...new Set(changes.upstreamProviders)];
        const storedBackchannel = typeof m.backchannel_logout_uri === 'string' ? m.backchannel_logout_uri : undefined;
        const logout = {
          backchannelLogoutUri: changes.backchannelLogoutUri === undefined ? storedBackchannel : changes.backchannelLogoutUri ?? undefined,
          backchannelLogoutSessionRequired: changes.backchannelLogoutSessionRequired ?? (changes.backchannelLogoutUri === null ? false : m.backchannel_logout_session_required === true),
          skipLogoutConfirmation: changes.skipLogoutConfirmation ?? m.latchkey_skip_logout_confirmation === true,
        };
        const problems = clientFieldProblems({ name, isPublic, grantTypes, redirectUris, postLogoutRedirectUris, scopes, upstreams });
        problems.push(...logoutSettingsProblems(logout));
        if (!usesRedirects && changes.redirectUris?.length) problems.push({ path: 'redirect_uris', message: 'this client does not use authorization_code, so it has no redirect URIs' });
        if (grantTypes.length === 0) problems.push({ path: 'grant_types', message: 'at least one grant type is required' });
        if (problems.length) throw new InvalidRequestError('invalid client', problems);

        const metadata: Record<string, unknown> = {
          ...m, redirect_uris: usesRedirects ? redirectUris : [], post_logout_redirect_uris: postLogoutRedirectUris, scope: scopes.join(' '),
          // As at creation: the response types follow the grant types (a client without authorization_code has none).
          grant_types: grantTypes, response_types: usesRedirects ? ['code'] : [],
        };
        const firstParty = changes.firstParty ?? m.latchkey_first_party === true;
        const signup = changes.signup ?? m.latchkey_signup !== false;
        const cognitoClaims = changes.cognitoClaims ?? m.latchkey_cognito_claims === true;
        delete metadata.latchkey_first_party;
        delete metadata.latchkey_cognito_claims;
        delete metadata.latchkey_signup;
        delete metadata.latchkey_upstream_providers;
        delete metadata.application_type;
        delete metadata.backchannel_logout_uri;
        delete metadata.backchannel_logout_session_required;
        delete metadata.latchkey_skip_logout_confirmation;
        Object.assign(metadata, logoutSettingsMetadata(logout));
        if (firstParty) metadata.latchkey_first_party = true;
        if (!signup) metadata.latchkey_signup = false;
        if (cognitoClaims) metadata.latchkey_cognito_claims = true;
        if (upstreams) metadata.latchkey_upstream_providers = upstreams;
        if (changes.explicitAuthFlows) {
          delete metadata.latchkey_explicit_auth_flows;
          Object.assign(metadata, authFlowsMetadata(changes.explicitAuthFlows));
        }
        // As at creation: a public client redirecting anywhere but https is a native app (RFC 8252).
        if (isPublic && redirectUris.some((u) => !u.startsWith('https:'))) metadata.application_type = 'native';
        await settings.updateClientSettingsById(tx, clientId, name, metadata);
        await recordAudit(tx, { type: 'client.updated', clientId, details: { fields: Object.keys(changes).filter((key) => changes[key as keyof ClientChanges] !== undefined) } });
      });
    },

    async rotateSecret(clientId, graceSeconds, given) {
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_SECRET_GRACE_SECONDS) {
        throw new InvalidRequestError('invalid grace period', [{ path: 'grace', message: `must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}` }]);
      }
      return db.transaction(async (tx) => {
        const row = await settings.findClientSettingsForUpdate(tx, clientId);
        if (!row) throw new NotFoundError(`no client "${clientId}"`);
        if (!row.has_secret) throw new InvalidRequestError(`"${clientId}" is a public client: it has no secret to rotate`);
        const problem = given === undefined ? undefined : suppliedSecretProblem(given);
        if (problem) throw new InvalidRequestError('invalid client secret', [{ path: 'client_secret', message: problem }]);
        const secret = given ?? randomBytes(32).toString('base64url');
        const rotated = await settings.rotateClientSecretById(tx, clientId, sha256Hex(secret), graceSeconds);
        if (!rotated) throw new NotFoundError(`no client "${clientId}"`);
        await recordAudit(tx, { type: 'client.secret_rotated', clientId, details: { grace_seconds: graceSeconds } });
        return { client_id: clientId, client_secret: secret, previous_secret_expires_at: rotated.previous_secret_expires_at?.toISOString() ?? null };
      });
    },
  };
}
