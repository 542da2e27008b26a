import type { Command } from 'commander';
import { presentUser } from '../directory/user.presenter.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { registerAttributeCommands } from './attribute-commands.js';
import { withCliContext } from './cli-context.js';
import { EXIT_REVOCATION_QUEUED, reportRevocation } from './revocation-output.js';
import { createOutput, table } from './output.js';
import { readSecret } from './read-secret.js';
import { AWS_KEY_SCOPE, createAwsAccessKeys } from '../oidc/aws-access-keys.js';
import { parseAuthFlows } from '../oidc/client-auth-flows.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--attribute name=value` pairs as an object. */
function parseAttributes(pairs: readonly string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new InvalidRequestError(`--attribute expects name=value, got "${pair}"`);
    attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return attributes;
}

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

/** Registers every subcommand on `program`. Each reads options, calls one service, prints a result. */
export function registerCommands(program: Command, env: NodeJS.ProcessEnv): void {
  program.command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      await withCliContext(env, async ({ migrationReport, db }) => {
        out(program).result({ applied: migrationReport.applied, database: db.kind }, () =>
          migrationReport.applied.length ? `applied: ${migrationReport.applied.join(', ')}` : 'database is up to date');
      }, { applyMigrations: true });
    });

  program.command('serve')
    .description('run the server (same as npm start)')
    .action(async () => {
      const { runServer } = await import('../main.js');
      await runServer(env);
    });

  const user = program.command('user').description('manage users');
  user.command('create')
    .description('create a user (confirmed: they can sign in; --unconfirmed: not until they are confirmed)')
    .option('--email <email>', 'e-mail address')
    .option('--password <password>', 'password ("-": typed twice without echo on a terminal, or read from standard input); none: the user signs in through a provider or sets one by a reset')
    .option('--username <username>', 'username')
    .option('--name <name>', 'full name')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--group <group>', 'add to this group (repeatable)', collect, [])
    .option('--attribute <name=value>', 'a declared custom attribute (repeatable)', collect, [])
    .option('--verified', 'mark the e-mail address as verified', false)
    .option('--unconfirmed', 'create the account unconfirmed (it cannot sign in until confirmed)', false)
    .action(async (o: { email?: string; password?: string; username?: string; name?: string; givenName?: string; familyName?: string; group: string[]; attribute: string[]; verified: boolean; unconfirmed: boolean }) => {
      const password = o.password === '-' ? await readSecret({ prompt: 'Password', confirm: true }) : o.password;
      const customAttributes = parseAttributes(o.attribute);
      await withCliContext(env, async ({ services }) => {
        const created = await services.users.create({
          email: o.email, username: o.username, password, emailVerified: o.verified, status: o.unconfirmed ? 'unconfirmed' : 'confirmed',
          groups: o.group, customAttributes,
          profile: { ...(o.name ? { name: o.name } : {}), ...(o.givenName ? { given_name: o.givenName } : {}), ...(o.familyName ? { family_name: o.familyName } : {}) },
        });
        // Without a password the account still exists; say how its owner gets in, so nobody is left stuck.
        const noPassword = password === undefined ? [
          'no password set: the user signs in with an upstream provider (an identity linked to this account, or',
          `a provider trusted to verify ${created.email ?? 'their e-mail'}), or ${created.email ? 'sets one with "Forgot your password?" on the sign-in page' : 'an administrator sets one'};`,
          `set one now with: latchkey user set-password ${created.username ?? created.email ?? created.id} --password -`,
        ] : [];
        out(program).result(presentUser(created, o.group), () => [`created user ${created.id} (${created.email ?? created.username})`, ...noPassword].join('\n'));
      });
    });
  user.command('update <user>')
    .description('change a user\'s attributes (by id, username or e-mail); immutable custom attributes cannot change once set')
    .option('--email <email>', 'new e-mail address (unverified unless --verified)')
    .option('--username <username>', 'new username')
    .option('--name <name>', 'full name ("" removes it)')
    .option('--given-name <name>', 'given name ("" removes it)')
    .option('--family-name <name>', 'family name ("" removes it)')
    .option('--attribute <name=value>', 'a declared custom attribute (repeatable)', collect, [])
    .option('--verified', 'mark the e-mail address as verified')
    .option('--unverified', 'mark the e-mail address as not verified')
    .action(async (reference: string, o: { email?: string; username?: string; name?: string; givenName?: string; familyName?: string; attribute: string[]; verified?: boolean; unverified?: boolean }) => {
      if (o.verified && o.unverified) throw new InvalidRequestError('--verified and --unverified exclude each other');
      const profile = { ...(o.name !== undefined ? { name: o.name } : {}), ...(o.givenName !== undefined ? { given_name: o.givenName } : {}), ...(o.familyName !== undefined ? { family_name: o.familyName } : {}) };
      await withCliContext(env, async ({ services }) => {
        const updated = await services.users.update(reference, {
          email: o.email, username: o.username, profile, customAttributes: parseAttributes(o.attribute),
          emailVerified: o.verified ? true : o.unverified ? false : undefined,
        }, { actor: 'admin' });
        out(program).result(presentUser(updated), () => `updated user ${updated.id}`);
      });
    });
  user.command('list')
    .description('list users, oldest first, optionally searched; --after continues where a page ended')
    .option('--search <prefix>', 'start of a username or e-mail address')
    .option('--email <email>', 'exact e-mail address')
    .option('--username <username>', 'exact username')
    .option('--attribute <name=value>', 'a custom attribute (custom:NAME) or profile claim equal to value')
    .option('--status <status>', 'confirmed | unconfirmed | reset_required')
    .option('--disabled', 'only disabled users')
    .option('--limit <n>', 'how many (1-1000)', (v) => Number.parseInt(v, 10), 100)
    .option('--after <user-id>', 'continue after this user (the last id of the previous page)')
    .action(async (o: { search?: string; email?: string; username?: string; attribute?: string; status?: string; disabled?: boolean; limit: number; after?: string }) => {
      if (o.status !== undefined && !['confirmed', 'unconfirmed', 'reset_required'].includes(o.status)) throw new InvalidRequestError('--status must be confirmed, unconfirmed or reset_required');
      const attribute = o.attribute === undefined ? undefined : Object.entries(parseAttributes([o.attribute])).map(([name, value]) => ({ name, value }))[0];
      await withCliContext(env, async ({ services }) => {
        const after = o.after === undefined ? undefined : await services.users.findById(o.after);
        if (o.after !== undefined && !after) throw new InvalidRequestError(`--after: no user "${o.after}"`);
        const rows = await services.userSearch.search({
          q: o.search, email: o.email, username: o.username, attribute, status: o.status as 'confirmed' | undefined,
          enabled: o.disabled ? false : undefined, after: after && { createdAt: after.created_at, id: after.id },
          limit: Math.min(Math.max(o.limit || 100, 1), 1000),
        });
        out(program).result(rows.map((u) => presentUser(u)), () => table(
          ['ID', 'USERNAME', 'EMAIL', 'VERIFIED', 'STATUS', 'ENABLED'],
          rows.map((u) => [u.id, u.username ?? '', u.email ?? '', String(u.email_verified), u.status, String(u.enabled)]),
        ));
      });
    });
  user.command('show <user>')
    .description('show a user (by id, username or e-mail)')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const found = await services.users.resolve(reference);
        const presented = { ...presentUser(found, await services.groups.namesOf(found.id)), identities: await services.identities.listForUser(found.id) };
        out(program).result(presented, () => Object.entries(presented).map(([k, v]) => `${k.padEnd(18)}${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join('\n'));
      });
    });
  // disable, delete and sign-out also revoke the user's storage credentials and say what became of that:
  // revoked now, nothing to revoke, or queued for a server (exit status 3: not guaranteed yet).
  const enabling = {
    disable: 'disable a user: they cannot sign in, their tokens stop working and their storage credentials are revoked',
    enable: 'enable a disabled user again: they may sign in (their earlier tokens stay revoked)',
  };
  for (const [name, enabled] of [['disable', false], ['enable', true]] as const) {
    user.command(`${name} <user>`)
      .description(enabling[name])
      .action(async (reference: string) => {
        await withCliContext(env, async ({ services }) => {
          const { result: updated, outcomes } = await services.revocations.observe(() => services.users.setEnabled(reference, enabled));
          const revocation = reportRevocation(outcomes);
          out(program).result({ ...presentUser(updated), ...(revocation ? { storage_credentials: revocation.json } : {}) }, () => [`${name}d user ${updated.id}`, ...(revocation ? [revocation.text] : [])].join('\n'));
          if (revocation?.queued) process.exitCode = EXIT_REVOCATION_QUEUED;
        });
      });
  }
  user.command('sign-out <user>')
    .description('sign a user out everywhere: end sessions and grants (every token) and revoke storage credentials')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const { result: signedOut, outcomes } = await services.revocations.observe(() => services.users.signOutEverywhere(reference));
        const revocation = reportRevocation(outcomes);
        out(program).result({ signed_out: signedOut.id, ...(revocation ? { storage_credentials: revocation.json } : {}) }, () => [`signed out ${signedOut.id} everywhere`, ...(revocation ? [revocation.text] : [])].join('\n'));
        if (revocation?.queued) process.exitCode = EXIT_REVOCATION_QUEUED;
      });
    });
  user.command('delete <user>')
    .description('delete a user and their group memberships, and revoke their storage credentials')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const { outcomes } = await services.revocations.observe(() => services.users.delete(reference));
        const revocation = reportRevocation(outcomes);
        out(program).result({ deleted: reference, ...(revocation ? { storage_credentials: revocation.json } : {}) }, () => [`deleted user ${reference}`, ...(revocation ? [revocation.text] : [])].join('\n'));
        if (revocation?.queued) process.exitCode = EXIT_REVOCATION_QUEUED;
      });
    });

  registerAttributeCommands(program, env);

  const group = program.command('group').description('manage groups');
  group.command('create <name>')
    .description('create a group')
    .option('--precedence <n>', 'lower wins when choosing a role', (v) => Number(v), 0)
    .option('--role <role>', 'identity-pool role for members')
    .option('--description <text>', 'description')
    .action(async (name: string, o: { precedence: number; role?: string; description?: string }) => {
      await withCliContext(env, async ({ services }) => {
        const created = await services.groups.create({ name, precedence: o.precedence, role: o.role ?? null, description: o.description ?? '' });
        out(program).result({ id: created.id, name: created.name, precedence: created.precedence, role: created.role_name }, () => `created group ${created.name}`);
      });
    });
  group.command('list')
    .description('list groups')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const rows = await services.groups.list();
        out(program).result(rows.map((g) => ({ name: g.name, precedence: g.precedence, role: g.role_name, members: g.members, description: g.description })),
          () => table(['NAME', 'PRECEDENCE', 'ROLE', 'MEMBERS'], rows.map((g) => [g.name, String(g.precedence), g.role_name ?? '', String(g.members)])));
      });
    });
  group.command('add-user <group> <user>')
    .description('add a user (id, username or e-mail) to a group')
    .action(async (groupName: string, reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const { added } = await services.groups.addUser(groupName, reference);
        out(program).result({ group: groupName, user: reference, added }, () => (added ? `added ${reference} to ${groupName}` : `${reference} was already in ${groupName}`));
      });
    });
  group.command('remove-user <group> <user>')
    .description('remove a user from a group')
    .action(async (groupName: string, reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const { removed } = await services.groups.removeUser(groupName, reference);
        out(program).result({ group: groupName, user: reference, removed }, () => (removed ? `removed ${reference} from ${groupName}` : `${reference} was not in ${groupName}`));
      });
    });

  /** `--providers`: names, or `none` for no upstream at all (an empty value is a mistake, not "none"). */
  function providerList(value: string): string[] {
    if (value.trim() === 'none') return [];
    const names = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) throw new InvalidRequestError('invalid client', [{ path: 'providers', message: 'name at least one provider, or none' }]);
    return names;
  }
  const client = program.command('client').description('manage OAuth clients (applications)');
  client.command('create')
    .description('register an application; prints client_id (and client_secret, shown only once)')
    .requiredOption('--name <name>', 'display name shown on the consent page')
    .option('--redirect-uri <uri>', 'allowed redirect URI (repeatable)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'allowed post-logout redirect URI (repeatable)', collect, [])
    .option('--public', 'public client (SPA or native app): no secret, PKCE only', false)
    .option('--grant-types <list>', 'comma-separated: authorization_code,refresh_token,client_credentials')
    .option('--scope <scopes>', 'space-separated scopes the client may request')
    .option('--first-party', 'your own app: users are not asked to consent', false)
    .option('--providers <list>', 'comma-separated upstream providers its sign-in offers (default: all; "none": password sign-in only)')
    .option('--no-signup', 'its users may not sign themselves up, even when the pool allows sign-up')
    .option('--backchannel-logout-uri <uri>', 'where the app receives logout tokens when a user\'s session ends (OpenID Connect Back-Channel Logout)')
    .option('--backchannel-logout-session-required', 'its logout tokens must name the session (sid)', false)
    .option('--skip-logout-confirmation', 'RP-initiated logout with a valid id_token_hint of the current session asks no question', false)
    .option('--aws-access-key', 'also an AWS access key pair (printed once) that signs the Cognito admin API with SigV4; needs --scope with admin', false)
    .option('--auth-flows <list>', 'Cognito API sign-in flows it may use: comma-separated user_password, user_srp, refresh_token, admin_user_password, or none (default: user_srp,refresh_token)')
    .option('--cognito-claims', 'its tokens also carry Cognito\'s claims: token_use, cognito:username, cognito:groups, origin_jti, and username in access tokens', false)
    .action(async (o: { cognitoClaims: boolean; name: string; redirectUri: string[]; postLogoutRedirectUri: string[]; public: boolean; grantTypes?: string; scope?: string; firstParty: boolean; providers?: string; signup: boolean; backchannelLogoutUri?: string; backchannelLogoutSessionRequired: boolean; skipLogoutConfirmation: boolean; awsAccessKey: boolean; authFlows?: string }) => {
      const scopes = (o.scope ?? '').split(/\s+/);
      if (o.awsAccessKey && !scopes.includes(AWS_KEY_SCOPE)) throw new InvalidRequestError(`--aws-access-key needs a client allowed the "${AWS_KEY_SCOPE}" scope: add --scope "${AWS_KEY_SCOPE}"`);
      await withCliContext(env, async ({ services, db, secrets }) => {
        const created = await services.clients.create({
          name: o.name, redirectUris: o.redirectUri, postLogoutRedirectUris: o.postLogoutRedirectUri, public: o.public, firstParty: o.firstParty,
          ...(o.grantTypes ? { grantTypes: o.grantTypes.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          ...(o.scope ? { scope: o.scope } : {}),
          ...(o.providers !== undefined ? { upstreamProviders: providerList(o.providers) } : {}),
          ...(o.signup === false ? { signup: false } : {}),
          ...(o.cognitoClaims ? { cognitoClaims: true } : {}),
          ...(o.authFlows !== undefined ? { explicitAuthFlows: parseAuthFlows(o.authFlows) } : {}),
          ...(o.backchannelLogoutUri !== undefined ? { backchannelLogoutUri: o.backchannelLogoutUri } : {}),
          backchannelLogoutSessionRequired: o.backchannelLogoutSessionRequired, skipLogoutConfirmation: o.skipLogoutConfirmation,
        });
        const key = o.awsAccessKey ? await createAwsAccessKeys({ db, secrets }).issue(created.client_id) : undefined;
        out(program).result(key ? { ...created, aws_access_key_id: key.access_key_id, aws_secret_access_key: key.secret_access_key } : created, () => [
          `client_id:     ${created.client_id}`,
          ...(created.client_secret ? [`client_secret: ${created.client_secret}`, '', 'Store the secret now: Latchkey keeps only its hash and cannot show it again.'] : []),
          ...(key ? ['', `aws_access_key_id:     ${key.access_key_id}`, `aws_secret_access_key: ${key.secret_access_key}`, 'Store the AWS secret access key now: it is shown only once.'] : []),
        ].join('\n'));
      });
    });
  client.command('list')
    .description('list clients')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const rows = await services.clients.list();
        out(program).result(rows, () => table(['CLIENT_ID', 'NAME', 'AUTH', 'GRANT TYPES', 'PROVIDERS'], rows.map((c) => [c.client_id, c.name, c.token_endpoint_auth_method, c.grant_types.join(','), c.upstream_providers === null ? 'all' : c.upstream_providers.join(',') || 'none'])));
      });
    });
  client.command('delete <clientId>')
    .description('delete a client')
    .action(async (clientId: string) => {
      await withCliContext(env, async ({ services }) => {
        await services.clients.delete(clientId);
        out(program).result({ deleted: clientId }, () => `deleted client ${clientId}`);
      });
    });

  const keys = program.command('keys').description('manage token signing keys');
  keys.command('rotate')
    .description('new signing keys that sign at once (each algorithm); the old ones stay published until their tokens expire')
    .option('--staged', 'publish the new keys now and sign with them after LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS, as the schedule does')
    .action(async (options: { staged?: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        if (options.staged) {
          const staged = await services.keys.stage();
          const rows = staged.map((k) => ({ alg: k.alg, kid: k.kid, activates_at: k.activatesAt.toISOString(), replaces: k.replaces }));
          out(program).result(rows, () => (rows.length
            ? rows.map((r) => `new ${r.alg} key ${r.kid} published; it signs from ${r.activates_at}, when ${r.replaces ?? 'nothing'} retires`).join('\n')
            : 'every signing key already has a successor waiting'));
          return;
        }
        const rotated = await services.keys.rotate();
        out(program).result({ kid: rotated.kid, retired: rotated.retired, keys: rotated.keys.map((k) => ({ alg: k.alg, kid: k.kid, replaces: k.replaces })) },
          () => `${rotated.keys.map((k) => `new ${k.alg} signing key ${k.kid}`).join('; ')}; ${rotated.retired} key(s) retired (still published until their tokens expire)`);
      });
    });
  keys.command('list')
    .description('list published signing keys')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        await services.keys.ensure();
        const set = await services.keys.load();
        const rows = set.keys.map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, signing: k.state === 'signing', activates_at: k.activatesAt.toISOString(), retires_at: k.retiresAt?.toISOString() ?? null, unpublish_at: k.unpublishAt?.toISOString() ?? null }));
        out(program).result(rows, () => table(['KID', 'ALG', 'STATE', 'SIGNS FROM', 'RETIRES', 'UNPUBLISHED'], rows.map((r) => [r.kid, r.alg, r.state, r.activates_at, r.retires_at ?? '-', r.unpublish_at ?? '-'])));
      });
    });
}
