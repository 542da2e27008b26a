import type { Command } from 'commander';
import { InvalidRequestError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput } from './output.js';

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

/** The subcommand group `name` registered earlier (`user`, `group`, `pool`), or a new one. */
function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((command) => command.name() === name) ?? program.command(name).description(description);
}

/**
 * Two-step verification for operators: `user reset-mfa USER` (a lost device), `pool set-mfa MODE` and
 * `group set-mfa GROUP required|optional`. Registered after the commands they extend.
 */
export function registerMfaCommands(program: Command, env: NodeJS.ProcessEnv): void {
  commandGroup(program, 'user', 'manage users').command('reset-mfa <user>')
    .description("remove a user's authenticator and recovery codes (a lost device); they sign in with their password alone, or enrol again where MFA is required")
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const removed = await services.mfa.reset(reference);
        const what = [
          removed.totp === 'confirmed' ? 'the authenticator' : removed.totp === 'pending' ? 'an unfinished authenticator set-up' : null,
          removed.recoveryCodes ? `${removed.recoveryCodes} recovery code${removed.recoveryCodes === 1 ? '' : 's'}` : null,
        ].filter((part) => part !== null);
        out(program).result({ user: removed.user.id, removed: { totp: removed.totp, recovery_codes: removed.recoveryCodes } }, () =>
          (what.length ? `removed ${what.join(' and ')} of ${removed.user.id}` : `${removed.user.id} had no two-step verification; nothing removed`));
      });
    });

  commandGroup(program, 'pool', 'pool settings').command('set-mfa <mode>')
    .description('two-step verification for the pool: off (never asked, not offered) | optional (users choose; groups may require it) | required (everyone with a password)')
    .action(async (mode: string) => {
      await withCliContext(env, async ({ services }) => {
        const set = await services.mfa.setMode(mode);
        out(program).result({ mfa_mode: set }, () => `two-step verification: ${set}`);
      });
    });

  commandGroup(program, 'group', 'manage groups').command('set-mfa <group> <requirement>')
    .description("whether the group's members must use two-step verification: required | optional (ignored while the pool's mode is off)")
    .action(async (groupName: string, requirement: string) => {
      if (requirement !== 'required' && requirement !== 'optional') throw new InvalidRequestError(`requirement must be required or optional, not "${requirement}"`);
      await withCliContext(env, async ({ services }) => {
        const group = await services.mfa.setGroupRequired(groupName, requirement === 'required');
        out(program).result(group, () => `two-step verification for members of ${group.name}: ${group.mfa_required ? 'required' : 'optional'}`);
      });
    });
}
