import type { Config } from './config/load-config.js';
import type { Database } from './db/database.js';
import { createAttributeService, type AttributeService } from './directory/attribute-service.js';
import { createGroupService, type GroupService } from './directory/group-service.js';
import { createPasswordHasher, type PasswordHasher } from './directory/password-hasher.js';
import { createPasswordPolicySource, type PasswordPolicySource } from './directory/password-policy-source.js';
import { createUserPoolSettings, type UserPoolSettings } from './directory/user-pool-settings.js';
import { createEmailChange, type EmailChange } from './directory/email-change.js';
import { createUserService, type UserLifecycleHooks, type UserService } from './directory/user-service.js';
import { createSrpVerifiers, type SrpVerifiers } from './directory/srp-verifiers.js';
import { createUserTransfer, type UserTransfer } from './directory/transfer/user-transfer.js';
import { createMfaService, type MfaService } from './directory/mfa/mfa-service.js';
import { createPasskeyService, type PasskeyService } from './directory/passkeys/passkey-service.js';
import { relyingPartyFrom } from './directory/passkeys/relying-party.js';
import { createCredentialService, type CredentialService } from './identity-pool/credential-service.js';
import { createMinioStsClient, type StsBackend } from './identity-pool/minio-sts-client.js';
import { createRevocationService, type RevocationService } from './identity-pool/revocation-service.js';
import { createRoleService, type RoleService } from './identity-pool/role-service.js';
import type { Metrics } from './http/metrics.js';
import { createRateCounters, type RateCounters } from './http/rate-counters.js';
import type { Logger } from './lib/logger.js';
import { createSecretBox } from './lib/secret-box.js';
import { createProviderRegistry } from './federation/provider-registry.js';
import type { ProviderRegistry, UpstreamTransport } from './federation/provider-types.js';
import { createIdentityService, type IdentityService } from './federation/identity-service.js';
import { createGroupMapping, type GroupMapping } from './federation/group-mapping.js';
import { configuredUpstreams } from './federation/providers/configured-providers.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createClientService, type ClientService } from './oidc/client-service.js';
import { createClientLookup, type ClientLookup } from './oidc/client-lookup.js';
import { defaultLifetimes, longestSignedTokenLifetime } from './oidc/token-lifetimes.js';
import { createSessionService, type SessionService } from './oidc/session-service.js';
import { createBackchannelLogout } from './oidc/backchannel-logout.js';
import { createModelAtRest } from './oidc/model-at-rest.js';
import { createSigningKeyService, type SigningKeyService } from './oidc/signing-keys.js';
import { createBrandingService, type BrandingService } from './branding/branding-service.js';
import { createMailer } from './mail/create-mailer.js';
import type { Mailer } from './mail/mailer.js';
import { createAuditService, type AuditService } from './audit/audit-service.js';
import { createAdminMembers, type AdminMembers } from './directory/admin-members.js';
import { createUserSearch, type UserSearch } from './directory/user-search.js';
import { createLatchkeyJobs } from './jobs/latchkey-jobs.js';
import type { JobRunner } from './jobs/job-runner.js';

/** The domain services, shared by the HTTP app and the CLI. */
export interface Services {
  users: UserService;
  groups: GroupService;
  clients: ClientService;
  /** Clients as the provider reads them, kept in process while Postgres announces their changes. */
  clientLookup: ClientLookup;
  keys: SigningKeyService;
  hasher: PasswordHasher;
  roles: RoleService;
  credentials: CredentialService;
  revocations: RevocationService;
  sessions: SessionService;
  /** Fixed-window counters (sign-in throttle, issuance limit). */
  counters: RateCounters;
  attributes: AttributeService;
  /** Generic upstream OpenID Providers (federation). */
  providers: ProviderRegistry;
  /** Linked upstream identities (listing, unlinking). */
  identities: IdentityService;
  /** Upstream claims mapped to local groups at federated sign-in. */
  groupMapping: GroupMapping;
  /** The stored theme and mail templates (declarative `theme`, `emailTemplates`), over the environment's. */
  branding: BrandingService;
  /** Outgoing mail: SMTP when `SMTP_URL` is set, else the development outbox. */
  mailer: Mailer;
  /** The pool's password policy, as it stands now (shown on sign-up and reset forms, checked everywhere). */
  passwordPolicy: PasswordPolicySource;
  /** The user pool's self-service settings (sign-up open or closed, required attributes). */
  userPool: UserPoolSettings;
  /** A user's change of their own address, pending until the new one is proven. */
  emailChange: EmailChange;
  /** Second factors: TOTP authenticators, recovery codes, the pool's MFA mode and group requirements. */
  mfa: MfaService;
  /** Passkeys (WebAuthn): a second factor after the password, and sign-in without one. */
  passkeys: PasskeyService;
  /** The audit log: query, follow, retention (events are recorded by the services in their transactions). */
  audit: AuditService;
  /** The admin group: users who may use the admin API and console. */
  admins: AdminMembers;
  /** Bulk import and export of users with password hashes, groups and identities (CLI, admin API). */
  transfer: UserTransfer;
  /** Searching users for administrators, in stable pages. */
  userSearch: UserSearch;
  /** SRP verifiers (the Cognito API's USER_SRP_AUTH), derived by the directory whenever it sees a password. */
  srpVerifiers: SrpVerifiers;
  /** Periodic jobs, one replica at a time: `serve` starts them; `status()` gives each job's lag from any replica. */
  jobs: JobRunner;
}

/**
 * Builds the domain services from their dependencies. Used by the HTTP app and by the CLI, which must
 * not load the HTTP server to change the directory.
 */
export function createServices(deps: { config: Config; db: Database; secrets: readonly string[]; logger: Logger; sts?: StsBackend | null; metrics?: Metrics; upstreamTransport?: UpstreamTransport; clock?: Clock }): Services {
  const { config, db, logger } = deps;
  const clientLookup = createClientLookup({ db, clock: deps.clock ?? systemClock });
  const hasher = createPasswordHasher();
  const sts = deps.sts !== undefined ? deps.sts : config.s3 ? createMinioStsClient(config.s3) : null;
  const revocations = createRevocationService({ db, sts, logger });
  const sessions = createSessionService({ db });
  const counters = createRateCounters(db);
  const credentials = createCredentialService({ db, counters, sts, logger, hourlyLimitPerUser: config.stsRateLimit, ...(deps.metrics ? { onIssued: (role: string) => deps.metrics!.credentialsIssued(role) } : {}) });
  // The pool's settings, kept in process while Postgres announces their changes; the password policy's options
  // (`pool set-password-policy`; none stored: the documented defaults) are taken from them every few seconds.
  const userPool = createUserPoolSettings({ db, region: config.region });
  const passwordPolicy = createPasswordPolicySource({ load: () => userPool.passwordPolicyOptions() });
  const lifetimes = defaultLifetimes(config.accessTokenTtl);
  const keys = createSigningKeyService({
    db,
    box: createSecretBox(deps.secrets),
    clock: deps.clock ?? systemClock,
    algorithms: config.signing.algorithms,
    // A retired key stays published while tokens it signed can live, plus the time other replicas may
    // take to notice the rotation and stop signing with it, plus a minute of clock tolerance.
    publishRetiredForSeconds: longestSignedTokenLifetime(lifetimes) + config.keyRefreshSeconds + 60,
    publishAheadSeconds: config.signing.publishAheadSeconds,
    rotationDays: config.signing.rotationDays,
  });
  const backchannel = createBackchannelLogout({ issuer: config.issuer, keys, atRest: createModelAtRest(deps.secrets), logger });
  const hooks: UserLifecycleHooks = {
    // A disabled, deleted or globally signed-out user loses sessions, grants (and so every token) and
    // storage credentials now, not at expiry. Sessions end and the revocation is recorded as a job in the
    // transaction that locks the user out; after the commit it is tried at once when this process has the
    // object store, and otherwise left for a server to finish. It is never skipped.
    // Apps registered for back-channel logout are told once the change committed: the sessions are read
    // before they go, and a slow or failing app delays the sign-out by the delivery timeout at most.
    lockUser: async (tx, userId, reason) => {
      const notices = await backchannel.collect(tx, userId);
      const removed = await sessions.endAllForAccount(userId, tx);
      const pending = await revocations.enqueue(tx, userId, reason);
      return async () => {
        logger.info({ event: 'user.sessions_ended', userId, removed, reason }, 'sessions and grants ended');
        await Promise.all([revocations.settle(pending, reason), backchannel.deliver(userId, notices)]);
      };
    },
  };
  const srpVerifiers = createSrpVerifiers({ db, box: createSecretBox(deps.secrets) });
  const users = createUserService({ db, hasher, passwordPolicy, hooks, srp: srpVerifiers });
  const configured = configuredUpstreams(config.federation, { clock: systemClock });
  const providers = createProviderRegistry({ db, box: createSecretBox(deps.secrets), production: config.production, configured, ...(deps.upstreamTransport ? { transport: deps.upstreamTransport } : {}) });
  // Identities are keyed on issuer and subject: an imported `provider:subject` takes the named provider's issuer.
  const upstreamIssuer = async (name: string) => configured.find((upstream) => upstream.name === name)?.issuer ?? (await providers.list()).find((provider) => provider.name === name)?.issuer ?? null;
  const groups = createGroupService({ db, users });
  const branding = createBrandingService({ db, clock: deps.clock ?? systemClock });
  const audit = createAuditService({ db });
  const jobs = createLatchkeyJobs({
    db, logger, clock: deps.clock ?? systemClock, atRest: createModelAtRest(deps.secrets), counters, audit,
    auditRetentionDays: config.auditRetentionDays, revocations: sts ? revocations : null,
    keyRotation: config.signing.rotationDays > 0 ? keys : null,
  });
  return {
    hasher,
    users,
    credentials,
    revocations,
    sessions,
    counters,
    attributes: createAttributeService({ db, poolSettingsChanged: () => userPool.changed() }),
    identities: createIdentityService({ db, users }),
    providers,
    groupMapping: createGroupMapping({ db, groups, registry: providers, logger }),
    branding,
    mailer: createMailer({ config, db, logger, branding }),
    passwordPolicy,
    userPool,
    emailChange: createEmailChange({ db }),
    mfa: createMfaService({ db, box: createSecretBox(deps.secrets), secrets: deps.secrets, clock: deps.clock ?? systemClock, users, issuerName: config.productName }),
    passkeys: createPasskeyService({ db, secrets: deps.secrets, clock: deps.clock ?? systemClock, users, rp: relyingPartyFrom(config.issuer, config.productName) }),
    roles: createRoleService({ db, maxDurationCeiling: config.stsMaxDuration }),
    groups,
    clients: createClientService({ db, lookup: clientLookup }),
    clientLookup,
    keys,
    audit,
    admins: createAdminMembers({ db, users }),
    transfer: createUserTransfer({ db, upstreamIssuer, lockUser: hooks.lockUser }),
    userSearch: createUserSearch({ db }),
    srpVerifiers,
    jobs,
  };
}

