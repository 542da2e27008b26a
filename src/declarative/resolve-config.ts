import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FieldProblem } from '../errors/app-error.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { validatePolicyTemplate } from '../identity-pool/policy-template.js';
import { suppliedSecretProblem } from '../oidc/client-settings.js';
import type { ConfigDocument, SecretReference } from './config-document.schema.js';
import { ConfigFileError } from './config-file-error.js';
import { formatConfigPath } from './config-path.js';
import type { DesiredRole, DesiredState } from './desired-state.js';
import { resolveBranding } from './resolve-branding.js';

/** What resolving reads besides the document: the environment, and policy files beside the configuration file. */
export interface ResolveSources {
  env: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => Buffer;
}

/**
 * Turns a checked document into the state it declares: each secret reference replaced by its environment
 * variable's value, each policy file read (relative to the configuration file) and every policy checked as
 * `role create` checks it. All problems are thrown together (ConfigFileError), each naming its place and,
 * for a secret, the variable.
 */
export function resolveConfig(document: ConfigDocument, file: string, sources: ResolveSources): DesiredState {
  const problems: FieldProblem[] = [];
  const read = sources.readFile ?? readFileSync;
  const secret = (reference: SecretReference, path: string, check?: (value: string) => string | undefined): string | null => {
    const value = sources.env[reference.env];
    if (value === undefined || value === '') {
      problems.push({ path, message: `the environment variable ${reference.env} is not set` });
      return null;
    }
    const problem = check?.(value);
    if (problem) problems.push({ path, message: `the value of ${reference.env} ${problem}` });
    return value;
  };

  const policyOf = (name: string, role: NonNullable<ConfigDocument['roles']>[string]): Record<string, unknown> => {
    let policy = role.policy;
    let path = formatConfigPath(['roles', name, 'policy']);
    if (role.policyFile !== undefined) {
      path = formatConfigPath(['roles', name, 'policyFile']);
      try {
        policy = JSON.parse(read(resolve(dirname(file), role.policyFile)).toString('utf8')) as Record<string, unknown>;
      } catch (error) {
        problems.push({ path, message: error instanceof SyntaxError ? `${role.policyFile} is not JSON` : `${role.policyFile} cannot be read` });
        return {};
      }
    }
    try {
      validatePolicyTemplate(JSON.stringify(policy));
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      for (const detail of error.details ?? [{ path: 'policy', message: error.message }]) {
        problems.push({ path, message: detail.path === 'policy' ? `${error.message}: ${detail.message}` : `${detail.path}: ${detail.message}` });
      }
    }
    return policy ?? {};
  };

  const mapEntries = <T, U>(entries: Record<string, T> | undefined, map: (key: string, value: T) => U): Record<string, U> | undefined =>
    entries && Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, map(key, value)]));

  const state: DesiredState = {
    ...(document.groups ? { groups: document.groups } : {}),
    ...(document.roleMapping ? { roleMapping: document.roleMapping } : {}),
    ...(document.attributes ? { attributes: Object.fromEntries(Object.entries(document.attributes).map(([key, value]) => [key.replace(/^custom:/, ''), value])) } : {}),
    ...(document.passwordPolicy ? { passwordPolicy: document.passwordPolicy } : {}),
    ...(document.mfa ? { mfa: document.mfa } : {}),
    ...(document.signUp ? { signUp: document.signUp } : {}),
    ...(document.selfDelete ? { selfDelete: document.selfDelete } : {}),
  };
  const clients = mapEntries(document.clients, (id, { secret: reference, ...client }) => ({
    ...client, secret: reference ? secret(reference, formatConfigPath(['clients', id, 'secret']), suppliedSecretProblem) : null,
  }));
  if (clients) state.clients = clients;
  const roles = mapEntries(document.roles, (name, role): DesiredRole => ({ description: role.description, maxDurationSeconds: role.maxDurationSeconds, policy: policyOf(name, role) }));
  if (roles) state.roles = roles;
  const providers = mapEntries(document.providers, (name, { clientSecret, displayName, ...provider }) => ({
    ...provider, displayName: displayName ?? name, clientSecret: clientSecret ? secret(clientSecret, formatConfigPath(['providers', name, 'clientSecret'])) : null,
  }));
  if (providers) state.providers = providers;
  if (document.users) {
    state.users = document.users.map(({ password, ...user }, i) => ({ ...user, password: password ? secret(password, `users[${i}].password`) : null }));
  }
  Object.assign(state, resolveBranding(document, file, read, problems));
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return state;
}
