import type { Command } from 'commander';
import { presentUser } from '../directory/user.presenter.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput } from './output.js';
import { readSecret } from './read-secret.js';
import { EXIT_REVOCATION_QUEUED, reportRevocation } from './revocation-output.js';

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

function userGroup(program: Command): Command {
  return program.commands.find((command) => command.name() === 'user') ?? program.command('user').description('manage users');
}

/**
 * An operator's password commands: `user set-password USER --password -` and `user require-reset USER`.
 * Both end the user's sessions, grants and storage credentials (a reset or a new password means the old
 * one no longer counts), and report the storage revocation as `user sign-out` does (exit 3 when queued).
 */
export function registerUserPasswordCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const user = userGroup(program);
  user.command('set-password <user>')
    .description("set a user's password (checked against the password policy); ends every session, token and storage credential of the user, and confirms a reset-required account")
    .requiredOption('--password <password>', '"-": typed twice without echo on a terminal, or one line from standard input (a value on the command line lands in the shell history)')
    .action(async (reference: string, o: { password: string }) => {
      const password = o.password === '-' ? await readSecret({ prompt: 'New password', confirm: true }) : o.password;
      if (password === '') throw new InvalidRequestError('the password is empty');
      await withCliContext(env, async ({ services }) => {
        const { result: updated, outcomes } = await services.revocations.observe(() => services.users.setPassword(reference, password));
        const revocation = reportRevocation(outcomes);
        out(program).result({ ...presentUser(updated), signed_out: true, ...(revocation ? { storage_credentials: revocation.json } : {}) }, () =>
          [`set the password of ${updated.id}; their sessions and tokens have ended`, ...(revocation ? [revocation.text] : [])].join('\n'));
        if (revocation?.queued) process.exitCode = EXIT_REVOCATION_QUEUED;
      });
    });
  user.command('require-reset <user>')
    .description('make a user choose a new password before signing in again (status reset_required); ends their sessions, tokens and storage credentials')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const { result: updated, outcomes } = await services.revocations.observe(() => services.users.requireReset(reference));
        const revocation = reportRevocation(outcomes);
        const how = updated.email
          ? `they are told at sign-in that a reset is required, and reset it with "Forgot your password?" (a code mailed to ${updated.email})`
          : 'they have no e-mail address, so they cannot reset it themselves: set one with `latchkey user set-password`';
        out(program).result({ ...presentUser(updated), ...(revocation ? { storage_credentials: revocation.json } : {}) }, () =>
          [`${updated.id} must choose a new password: ${how}`, ...(revocation ? [revocation.text] : [])].join('\n'));
        if (revocation?.queued) process.exitCode = EXIT_REVOCATION_QUEUED;
      });
    });
}
