import type { Command } from 'commander';
import { ConflictError, InvalidRequestError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput, table } from './output.js';

function subcommand(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`the ${name} command must be registered first`);
  return found;
}

function wholeNumber(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw new InvalidRequestError(`expected a whole number, got "${value}"`);
  return Number(value);
}

/**
 * The directory operations the admin API has beyond `user` and `group` basics, so every admin operation is
 * also a command: a group's details, changes, deletion and members; a user's signed-in apps and linked identities.
 */
export function registerDirectoryAdminCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const out = () => createOutput(Boolean(program.opts().json));
  const group = subcommand(program, 'group');
  const user = subcommand(program, 'user');

  group.command('show <name>')
    .description('show a group: precedence, role, description and member count')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const g = await services.groups.get(name);
        out().result({ name: g.name, description: g.description, precedence: g.precedence, role: g.role_name, members: g.members }, () =>
          [`name: ${g.name}`, `description: ${g.description}`, `precedence: ${g.precedence}`, `role: ${g.role_name ?? '(none)'}`, `members: ${g.members}`].join('\n'));
      });
    });

  group.command('update <name>')
    .description('change a group\'s precedence, role or description')
    .option('--precedence <n>', 'lower wins when choosing a role', wholeNumber)
    .option('--role <role>', 'identity-pool role for members')
    .option('--no-role', 'take the role off the group')
    .option('--description <text>', 'description')
    .action(async (name: string, o: { precedence?: number; role?: string | false; description?: string }) => {
      const changes = {
        ...(o.precedence !== undefined ? { precedence: o.precedence } : {}),
        ...(o.role === false ? { role: null } : o.role !== undefined ? { role: o.role } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
      };
      if (Object.keys(changes).length === 0) throw new InvalidRequestError('nothing to change: give --precedence, --role, --no-role or --description');
      await withCliContext(env, async ({ services }) => {
        const g = await services.groups.update(name, changes);
        out().result({ name: g.name, description: g.description, precedence: g.precedence, role: g.role_name, members: g.members }, () => `updated group ${g.name}`);
      });
    });

  group.command('delete <name>')
    .description('delete a group; refuses while it has members unless --force (memberships and provider rules go with it)')
    .option('--force', 'delete even though users are members', false)
    .action(async (name: string, o: { force: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        const g = await services.groups.get(name);
        if (g.members > 0 && !o.force) throw new ConflictError(`group ${name} has ${g.members} member(s); add --force to delete it and their memberships`);
        await services.groups.delete(name);
        out().result({ deleted: name, members_removed: g.members }, () => `deleted group ${name}${g.members ? ` (${g.members} membership(s) removed)` : ''}`);
      });
    });

  group.command('members <name>')
    .description('list a group\'s members (in user-id order; --after continues a page)')
    .option('--limit <n>', 'how many (default 100)', wholeNumber, 100)
    .option('--after <user-id>', 'continue after this user id')
    .action(async (name: string, o: { limit: number; after?: string }) => {
      await withCliContext(env, async ({ services }) => {
        const rows = await services.groups.members(name, { after: o.after ?? null, limit: Math.min(Math.max(o.limit, 1), 1000) });
        out().result(rows.map((m) => ({ user_id: m.user_id, username: m.username, email: m.email, granted_by_provider: m.granted_by_provider, added_at: m.created_at.toISOString() })), () =>
          table(['USER', 'USERNAME', 'EMAIL', 'GRANTED BY'], rows.map((m) => [m.user_id, m.username ?? '', m.email ?? '', m.granted_by_provider ?? 'administrator'])));
      });
    });

  user.command('sessions <user>')
    .description('the apps a user is signed in to (live grants), most recently used first')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const found = await services.users.resolve(reference);
        const apps = await services.sessions.listApps(found.id);
        out().result(apps.map((a) => ({ grant_id: a.grantId, client_id: a.clientId, granted_at: a.grantedAt.toISOString(), last_used_at: a.lastUsedAt.toISOString() })), () =>
          table(['CLIENT', 'SIGNED IN', 'LAST USED'], apps.map((a) => [a.clientId, a.grantedAt.toISOString(), a.lastUsedAt.toISOString()])));
      });
    });

  user.command('identities <user>')
    .description('a user\'s linked upstream identities')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const found = await services.users.resolve(reference);
        const identities = await services.identities.listForUser(found.id);
        out().result(identities, () => table(['PROVIDER', 'SUBJECT', 'EMAIL', 'LAST SIGN-IN'], identities.map((i) => [i.provider, i.subject, i.email ?? '', i.last_sign_in_at])));
      });
    });
}
