import type { Command } from 'commander';
import { InvalidRequestError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput, table } from './output.js';
import { readStdinSecret } from './read-secret.js';

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

/** `latchkey provider …`: generic upstream OpenID Providers users may sign in with. */
export function registerFederationCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const provider = program.command('provider').description('manage upstream OpenID Providers ("Sign in with …")');
  provider.command('add <name>')
    .description('add an upstream OpenID Provider (never overwrites one of the same name)')
    .requiredOption('--issuer <url>', 'issuer URL (its discovery document is <url>/.well-known/openid-configuration)')
    .requiredOption('--client-id <id>', 'client ID registered at the upstream')
    .option('--client-secret <secret>', 'client secret ("-" reads it from standard input); stored sealed')
    .option('--scope <scopes>', 'scopes to request', 'openid email profile')
    .option('--display-name <name>', 'name on the sign-in button (default: the provider name)')
    .option('--trust-email', "link to an existing account by e-mail when the upstream says the e-mail is verified", false)
    .action(async (name: string, o: { issuer: string; clientId: string; clientSecret?: string; scope: string; displayName?: string; trustEmail: boolean }) => {
      const clientSecret = o.clientSecret === '-' ? await readStdinSecret() : o.clientSecret;
      await withCliContext(env, async ({ services }) => {
        const added = await services.providers.add({ name, issuer: o.issuer, clientId: o.clientId, clientSecret, scope: o.scope, displayName: o.displayName, trustEmail: o.trustEmail });
        out(program).result(added, () => `added provider ${added.name} (${added.issuer})${added.trusts_email_verification ? ', trusting its verified e-mail for linking' : ''}`);
      });
    });
  provider.command('list')
    .description('list upstream providers (secrets are never shown)')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const rows = await services.providers.list();
        out(program).result(rows, () => table(['NAME', 'DISPLAY NAME', 'ISSUER', 'CLIENT ID', 'SECRET', 'SCOPES', 'TRUSTS E-MAIL'],
          rows.map((r) => [r.name, r.display_name, r.issuer, r.client_id, r.has_client_secret ? 'set' : 'none', r.scopes, r.trusts_email_verification ? 'yes' : 'no'])));
      });
    });
  provider.command('show <name>')
    .description('show an upstream provider (its secret is never shown)')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const r = await services.providers.get(name);
        out(program).result({ ...r, created_at: r.created_at.toISOString() }, () => [
          `name: ${r.name}`, `display name: ${r.display_name}`, `issuer: ${r.issuer}`, `client id: ${r.client_id}`,
          `client secret: ${r.has_client_secret ? 'set' : 'none'}`, `scopes: ${r.scopes}`, `trusts e-mail verification: ${r.trusts_email_verification ? 'yes' : 'no'}`,
        ].join('\n'));
      });
    });
  provider.command('remove <name>')
    .description('remove an upstream provider (its linked identities and their users are kept)')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const { removed, identitiesKept } = await services.providers.remove(name);
        out(program).result({ removed: removed.name, issuer: removed.issuer, identities_kept: identitiesKept },
          () => `removed provider ${removed.name} (${removed.issuer}); ${identitiesKept} linked identit${identitiesKept === 1 ? 'y' : 'ies'} and their users kept`);
      });
    });

  provider.command('map-group <provider>')
    .description("put the provider's users whose claim carries a value in a group, at each sign-in (e.g. --claim groups --value <Entra group id>, or --claim hd --value example.com)")
    .requiredOption('--claim <claim>', 'upstream claim name (groups, hd, roles, …); matches when it equals the value or is an array holding it')
    .requiredOption('--value <value>', 'the claim value to match (booleans and numbers as text: true, 42)')
    .requiredOption('--group <group>', 'local group to grant (create it with `latchkey group create`)')
    .action(async (providerName: string, o: { claim: string; value: string; group: string }) => {
      await withCliContext(env, async ({ services }) => {
        const rule = await services.groupMapping.addRule({ provider: providerName, claim: o.claim, value: o.value, group: o.group });
        out(program).result(rule, () => `added group rule ${rule.id}: ${rule.provider} ${rule.claim}=${rule.value} → ${rule.group}`);
      });
    });
  provider.command('group-rules [provider]')
    .description('list group rules (all, or one provider\'s)')
    .action(async (providerName: string | undefined) => {
      await withCliContext(env, async ({ services }) => {
        const rules = await services.groupMapping.listRules(providerName);
        out(program).result(rules, () => table(['ID', 'PROVIDER', 'CLAIM', 'VALUE', 'GROUP'], rules.map((r) => [r.id, r.provider, r.claim, r.value, r.group])));
      });
    });
  provider.command('unmap-group <idOrProvider>')
    .description('remove a group rule, by its id or by provider with --claim, --value and --group (memberships it granted go at the next sign-in)')
    .option('--claim <claim>', 'the rule\'s claim (with a provider name)')
    .option('--value <value>', 'the rule\'s value (with a provider name)')
    .option('--group <group>', 'the rule\'s group (with a provider name)')
    .action(async (reference: string, o: { claim?: string; value?: string; group?: string }) => {
      await withCliContext(env, async ({ services }) => {
        const byTriple = o.claim !== undefined || o.value !== undefined || o.group !== undefined;
        if (byTriple && (o.claim === undefined || o.value === undefined || o.group === undefined)) {
          throw new InvalidRequestError('invalid group rule', [{ path: 'rule', message: 'name it by id, or by provider with all of --claim, --value and --group' }]);
        }
        const removed = byTriple
          ? await services.groupMapping.removeMatchingRule({ provider: reference, claim: o.claim!, value: o.value!, group: o.group! })
          : await services.groupMapping.removeRule(reference);
        out(program).result({ removed }, () => `removed group rule ${removed.id}: ${removed.provider} ${removed.claim}=${removed.value} → ${removed.group}`);
      });
    });

  // `latchkey user unlink` joins the `user` command registered by commands.ts.
  const user = program.commands.find((command) => command.name() === 'user') ?? program.command('user');
  user.command('unlink <user> <provider>')
    .description("unlink a user's identity at an upstream provider (never their last way to sign in)")
    .action(async (reference: string, providerName: string) => {
      await withCliContext(env, async ({ services }) => {
        const removed = await services.identities.unlink(reference, providerName);
        out(program).result({ unlinked: removed }, () => `unlinked ${removed.provider} identity ${removed.subject}${removed.email ? ` (${removed.email})` : ''}`);
      });
    });
}
