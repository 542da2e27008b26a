import type { Command } from 'commander';
import { withCliContext } from './cli-context.js';
import { createOutput, table } from './output.js';

/** `latchkey admin grant|revoke|list`: the admin group, whose members may use the admin API and console. */
export function registerAdminCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const out = () => createOutput(Boolean(program.opts().json));
  const admin = program.command('admin').description('manage the admin group (who may use the admin API and console)');

  admin.command('grant <user>')
    .description('let a user (id, username or e-mail) administer Latchkey; --read-only: look, never change (admin:read)')
    .option('--read-only', 'read-only access', false)
    .action(async (reference: string, o: { readOnly: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        const granted = await services.admins.grant(reference, o.readOnly ? 'read' : 'admin');
        out().result({ user_id: granted.userId, access: granted.access, changed: granted.changed }, () =>
          granted.changed ? `granted ${granted.access === 'read' ? 'read-only ' : ''}admin access to ${reference} (${granted.userId})` : `${reference} already had ${granted.access === 'read' ? 'read-only ' : ''}admin access`);
      });
    });

  admin.command('revoke <user>')
    .description('remove a user from the admin group (their admin API tokens stop working at once)')
    .action(async (reference: string) => {
      await withCliContext(env, async ({ services }) => {
        const result = await services.admins.revoke(reference);
        out().result({ user_id: result.userId, revoked: result.revoked }, () => (result.revoked ? `revoked admin access of ${reference}` : `${reference} was not in the admin group`));
      });
    });

  admin.command('list')
    .description('list the admin group')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const members = await services.admins.list();
        out().result(members.map((m) => ({ user_id: m.user_id, username: m.username, email: m.email, access: m.access, granted_at: m.granted_at.toISOString() })), () =>
          table(['USER', 'USERNAME', 'EMAIL', 'ACCESS', 'GRANTED'], members.map((m) => [m.user_id, m.username ?? '', m.email ?? '', m.access, m.granted_at.toISOString()])));
      });
    });
}
