import type { Command } from 'commander';
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
  provider.command('remove <name>')
    .description('remove an upstream provider (its linked identities and their users are kept)')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const { removed, identitiesKept } = await services.providers.remove(name);
        out(program).result({ removed: removed.name, issuer: removed.issuer, identities_kept: identitiesKept },
          () => `removed provider ${removed.name} (${removed.issuer}); ${identitiesKept} linked identit${identitiesKept === 1 ? 'y' : 'ies'} and their users kept`);
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
