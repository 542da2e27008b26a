import type { Command } from 'commander';
import { InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { createAwsAccessKeys } from '../oidc/aws-access-keys.js';
import { createClientSettings } from '../oidc/client-settings.js';
import { parseAuthFlows } from '../oidc/client-auth-flows.js';
import type { CreatedClient } from '../oidc/client-service.js';
import { withCliContext } from './cli-context.js';
import { createOutput } from './output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const DAY = 86_400;

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

function clientGroup(program: Command): Command {
  return program.commands.find((command) => command.name() === 'client') ?? program.command('client').description('manage OAuth clients (applications)');
}

/** `--providers` on update: names, `none` (password sign-in only) or `all` (every configured provider). */
function providerChoice(value: string): string[] | null {
  const trimmed = value.trim();
  if (trimmed === 'all') return null;
  if (trimmed === 'none') return [];
  const names = trimmed.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidRequestError('invalid client', [{ path: 'providers', message: 'name at least one provider, or all, or none' }]);
  return names;
}

function grace(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidRequestError(`--grace must be a whole number of seconds, not "${value}"`);
  return Number(value);
}

function describe(c: Omit<CreatedClient, 'client_secret'>): string {
  const rows: [string, string][] = [
    ['client_id', c.client_id],
    ['name', c.name],
    ['type', c.token_endpoint_auth_method === 'none' ? 'public (no secret)' : `confidential (${c.token_endpoint_auth_method})`],
    ['grant types', c.grant_types.join(', ')],
    ['redirect URIs', c.redirect_uris.join(' ') || '(none)'],
    ['post-logout URIs', c.post_logout_redirect_uris.join(' ') || '(none)'],
    ['scope', c.scope],
    ['first party', c.first_party ? 'yes (no consent page)' : 'no'],
    ['providers', c.upstream_providers === null ? 'all' : c.upstream_providers.join(', ') || 'none'],
    ['sign-up', c.signup ? 'allowed (when the pool allows it)' : 'not from this app'],
    ['Cognito auth flows', c.explicit_auth_flows.join(', ') || 'none'],
    ['Cognito claims', c.cognito_claims ? 'yes (token_use, cognito:username, cognito:groups)' : 'no'],
  ];
  return rows.map(([k, v]) => `${k.padEnd(18)}${v}`).join('\n');
}

/** `client show`, `client update`, `client rotate-secret` and `client rotate-aws-key`, next to `client create|list|delete`. */
export function registerClientCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const client = clientGroup(program);
  client.command('show <clientId>')
    .description("show a client's settings (never its secret)")
    .action(async (clientId: string) => {
      await withCliContext(env, async ({ services }) => {
        const found = await services.clients.find(clientId);
        if (!found) throw new NotFoundError(`no client "${clientId}"`);
        out(program).result(found, () => describe(found));
      });
    });

  client.command('update <clientId>')
    .description('change a client\'s settings; a list option given replaces the whole list (the secret is never touched: see rotate-secret)')
    .option('--name <name>', 'display name shown on the consent page')
    .option('--redirect-uri <uri>', 'allowed redirect URI (repeatable; replaces the list)', collect)
    .option('--post-logout-redirect-uri <uri>', 'allowed post-logout redirect URI (repeatable; replaces the list; "none" clears it)', collect)
    .option('--scope <scopes>', 'space-separated scopes the client may request (replaces them)')
    .option('--first-party', 'your own app: users are not asked to consent')
    .option('--no-first-party', 'users are asked to consent')
    .option('--providers <list>', 'comma-separated upstream providers its sign-in offers, "all" or "none"')
    .option('--signup', 'its users may sign themselves up (when the pool allows it)')
    .option('--no-signup', 'its users may not sign themselves up')
    .option('--auth-flows <list>', 'Cognito API sign-in flows it may use: comma-separated user_password, user_srp, refresh_token, admin_user_password, or none (replaces them)')
    .option('--cognito-claims', 'its tokens also carry Cognito\'s claims (token_use, cognito:username, cognito:groups, origin_jti; username in access tokens)')
    .option('--no-cognito-claims', 'its tokens carry the standard claims only')
    .action(async (clientId: string, o: { cognitoClaims?: boolean; name?: string; redirectUri?: string[]; postLogoutRedirectUri?: string[]; scope?: string; firstParty?: boolean; providers?: string; signup?: boolean; authFlows?: string }) => {
      const postLogout = o.postLogoutRedirectUri?.length === 1 && o.postLogoutRedirectUri[0] === 'none' ? [] : o.postLogoutRedirectUri;
      const changes = {
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.redirectUri ? { redirectUris: o.redirectUri } : {}),
        ...(postLogout ? { postLogoutRedirectUris: postLogout } : {}),
        ...(o.scope !== undefined ? { scope: o.scope } : {}),
        ...(o.firstParty !== undefined ? { firstParty: o.firstParty } : {}),
        ...(o.providers !== undefined ? { upstreamProviders: providerChoice(o.providers) } : {}),
        ...(o.signup !== undefined ? { signup: o.signup } : {}),
        ...(o.authFlows !== undefined ? { explicitAuthFlows: parseAuthFlows(o.authFlows) } : {}),
        ...(o.cognitoClaims !== undefined ? { cognitoClaims: o.cognitoClaims } : {}),
      };
      if (Object.keys(changes).length === 0) throw new InvalidRequestError('nothing to change: give at least one option (see latchkey client update --help)');
      await withCliContext(env, async ({ db, services }) => {
        await createClientSettings({ db }).update(clientId, changes);
        const updated = (await services.clients.find(clientId))!;
        out(program).result(updated, () => `updated client ${clientId}\n${describe(updated)}`);
      });
    });

  client.command('rotate-secret <clientId>')
    .description('give a confidential client a new secret (printed once); the old one keeps working for the grace period')
    .option('--grace <seconds>', 'how long the old secret keeps working; 0: it stops at once', grace, DAY)
    .action(async (clientId: string, o: { grace: number }) => {
      await withCliContext(env, async ({ db }) => {
        const rotated = await createClientSettings({ db }).rotateSecret(clientId, o.grace);
        out(program).result(rotated, () => [
          `client_id:     ${rotated.client_id}`,
          `client_secret: ${rotated.client_secret}`,
          '',
          rotated.previous_secret_expires_at
            ? `The previous secret keeps working until ${rotated.previous_secret_expires_at}; move every instance of the app to the new one before then.`
            : 'The previous secret stopped working now.',
          'Store the new secret now: Latchkey keeps only its hash and cannot show it again.',
        ].join('\n'));
      });
    });

  client.command('rotate-aws-key <clientId>')
    .description('give an admin client a new AWS access key pair (printed once) for the Cognito admin API; its old pairs stop working now')
    .action(async (clientId: string) => {
      await withCliContext(env, async ({ db, secrets }) => {
        const key = await createAwsAccessKeys({ db, secrets }).rotate(clientId);
        out(program).result(key, () => [
          `aws_access_key_id:     ${key.access_key_id}`,
          `aws_secret_access_key: ${key.secret_access_key}`,
          '',
          'The previous access keys of this client stopped working now. Store the secret access key now: it is shown only once.',
        ].join('\n'));
      });
    });
}
