import type { Command } from 'commander';
import { withCliContext } from './cli-context.js';
import { createOutput } from './output.js';

/**
 * `user remove-passkeys USER`: an operator removes every passkey of a user (lost or stolen devices). Separate
 * from `user reset-mfa`, which removes the authenticator app and recovery codes only: a passkey is also a way
 * to sign in without a password, and removing it may leave a user without one, so it is asked for by name.
 */
export function registerPasskeyCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const user = program.commands.find((command) => command.name() === 'user') ?? program.command('user').description('manage users');
  user.command('remove-passkeys <user>')
    .description("remove every passkey of a user (lost or stolen devices); they sign in with their password or a linked provider, and add passkeys again from the account page")
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const { user: found, removed } = await services.passkeys.removeAll(reference);
        const warning = removed > 0 && found.password_hash === null && (await services.identities.providerNamesOf(found.id)).length === 0
          ? ' (the user has no password and no linked provider: set a password or send a reset so they can sign in)' : '';
        createOutput(Boolean(program.opts().json)).result({ user: found.id, removed: { passkeys: removed } }, () =>
          (removed ? `removed ${removed} passkey${removed === 1 ? '' : 's'} of ${found.id}${warning}` : `${found.id} had no passkeys; nothing removed`));
      });
    });
}
