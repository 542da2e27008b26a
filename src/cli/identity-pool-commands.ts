import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput, table } from './output.js';

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidRequestError(`"${value}" is not an integer`);
  return n;
}

/** The policy document a role command names (a file, or "-" for standard input). */
function readPolicy(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new InvalidRequestError(`cannot read policy file ${file}: ${(error as Error).message}`);
  }
}

/** `latchkey role …` and `latchkey pool …`: the identity pool's roles, default role and rules. */
export function registerIdentityPoolCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const role = program.command('role').description('manage identity-pool roles (storage credentials)');
  role.command('create <name>')
    .description('create a role from an S3 policy template (variables: ${sub}, ${username}, ${email}); refuses an existing name (use role update)')
    .requiredOption('--policy <file>', 'JSON policy document ("-" for standard input)')
    .option('--max-duration <seconds>', 'longest credential lifetime in seconds (default 3600)', integer)
    .option('--description <text>', 'description')
    .action(async (name: string, o: { policy: string; maxDuration?: number; description?: string }) => {
      const policy = readPolicy(o.policy);
      await withCliContext(env, async ({ services }) => {
        const saved = await services.roles.createRole({ name, policy, ...(o.maxDuration !== undefined ? { maxDurationSeconds: o.maxDuration } : {}), ...(o.description ? { description: o.description } : {}) });
        out(program).result(saved, () => `created role ${saved.name} (max ${saved.max_duration_seconds} s)`);
      });
    });
  role.command('update <name>')
    .description('change a role: its policy, maximum duration or description (what is not given stays)')
    .option('--policy <file>', 'JSON policy document ("-" for standard input)')
    .option('--max-duration <seconds>', 'longest credential lifetime in seconds', integer)
    .option('--description <text>', 'description')
    .action(async (name: string, o: { policy?: string; maxDuration?: number; description?: string }) => {
      if (o.policy === undefined && o.maxDuration === undefined && o.description === undefined) throw new InvalidRequestError('nothing to change: give --policy, --max-duration or --description');
      const policy = o.policy === undefined ? undefined : readPolicy(o.policy);
      await withCliContext(env, async ({ services }) => {
        const saved = await services.roles.updateRole(name, { ...(policy !== undefined ? { policy } : {}), ...(o.maxDuration !== undefined ? { maxDurationSeconds: o.maxDuration } : {}), ...(o.description !== undefined ? { description: o.description } : {}) });
        out(program).result(saved, () => `updated role ${saved.name} (max ${saved.max_duration_seconds} s)`);
      });
    });
  role.command('list')
    .description('list roles')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const rows = await services.roles.listRoles();
        out(program).result(rows, () => table(['NAME', 'MAX DURATION', 'DESCRIPTION'], rows.map((r) => [r.name, `${r.max_duration_seconds} s`, r.description])));
      });
    });
  role.command('show <name>')
    .description('show a role: its policy, maximum duration and description')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const found = await services.roles.getRole(name);
        out(program).result(found, () => [`name: ${found.name}`, `description: ${found.description}`, `max duration: ${found.max_duration_seconds} s`, 'policy:', JSON.stringify(found.policy, null, 2)].join('\n'));
      });
    });
  role.command('delete <name>')
    .description('delete a role; refuses while groups, pool rules or the default role use it (--force detaches them)')
    .option('--force', 'take the role off its groups, remove its rules and clear it as the default role, then delete it')
    .action(async (name: string, o: { force?: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        const detached = await services.roles.deleteRole(name, { force: o.force === true });
        const lines = [
          ...(detached.groups.length ? [`  groups that lost it: ${detached.groups.join(', ')}`] : []),
          ...(detached.rule_positions.length ? [`  pool rules removed (positions before the removal): ${detached.rule_positions.join(', ')}`] : []),
          ...(detached.default_role ? ['  the pool has no default role now'] : []),
        ];
        out(program).result({ deleted: name, detached }, () => [`deleted role ${name}`, ...(lines.length ? ['detached:', ...lines] : [])].join('\n'));
      });
    });

  const pool = program.command('pool').description('pool settings: sign-up; identity-pool default role, ambiguity, rules');
  pool.command('show')
    .description('show the pool settings and rules')
    .action(async () => {
      await withCliContext(env, async ({ services }) => {
        const policy = await services.passwordPolicy.current();
        const ids = await services.userPool.identifiers();
        const s = {
          user_pool_id: ids.userPoolId, identity_pool_id: ids.identityPoolId,
          ...(await services.roles.poolSettings()), guest_role: await services.roles.guestRole(), signup: await services.userPool.signup(), self_delete: await services.userPool.selfDeleteAllowed(), password_policy: policy.options,
        };
        out(program).result(s, () => [
          `user pool ID:              ${s.user_pool_id}`,
          `identity pool ID:          ${s.identity_pool_id}`,
          `sign-up:                   ${s.signup.enabled ? 'open' : 'closed'}${s.signup.required.length ? ` (requires ${s.signup.required.join(', ')})` : ''}`,
          `account deletion by users: ${s.self_delete ? 'allowed' : 'forbidden'}`,
          `password policy:           ${policy.rules().map((rule) => rule.text.replace(/\.$/, '')).join('; ')}`,
          `temporary passwords:       valid ${policy.options.temporaryPasswordValidityDays} days`,
          `default role:              ${s.default_role ?? '(none)'}`,
          `ambiguous role resolution: ${s.ambiguous_role_resolution}`,
          `guest role:                ${s.guest_role ?? '(none: guests are refused)'}`,
          '',
          table(['#', 'CLAIM', 'MATCH', 'VALUE', 'ROLE'], s.rules.map((r) => [String(r.position), r.claim, r.match_type, r.value, r.role_name])),
        ].join('\n'));
      });
    });
  pool.command('set-signup <mode>')
    .description('whether people may create their own account: open | closed (apps may still opt out: client create --no-signup)')
    .option('--require <attributes>', 'comma-separated attributes the sign-up form requires: username, given_name, family_name, custom:NAME ("none" to clear)')
    .action(async (mode: string, o: { require?: string }) => {
      if (mode !== 'open' && mode !== 'closed') throw new InvalidRequestError(`sign-up mode must be open or closed, not "${mode}"`);
      const required = o.require === undefined ? undefined : o.require === 'none' ? [] : o.require.split(',').map((name) => name.trim()).filter(Boolean);
      await withCliContext(env, async ({ services }) => {
        const signup = await services.userPool.setSignup({ enabled: mode === 'open', ...(required ? { required } : {}) });
        out(program).result(signup, () => `sign-up: ${signup.enabled ? 'open' : 'closed'}${signup.required.length ? ` (requires ${signup.required.join(', ')})` : ''}`);
      });
    });
  pool.command('set-password-policy')
    .description('the password policy every new password must meet (options not given take the defaults)')
    .option('--min-length <n>', 'fewest characters (at least 8; default 15)', integer)
    .option('--max-length <n>', 'most characters (64 to 256; default 256)', integer)
    .option('--require-lowercase', 'require a lower-case letter')
    .option('--require-uppercase', 'require an upper-case letter')
    .option('--require-digit', 'require a digit')
    .option('--require-symbol', 'require a character that is not a letter or digit')
    .option('--allow-common', 'allow the most common passwords and simple patterns (refused by default)')
    .option('--allow-personal', "allow a password containing the user's username or e-mail (refused by default)")
    .option('--temporary-password-days <n>', "days an administrator's temporary password may be used for the first sign-in (1 to 365; default 7)", integer)
    .action(async (o: {
      minLength?: number; maxLength?: number; requireLowercase?: boolean; requireUppercase?: boolean; requireDigit?: boolean; requireSymbol?: boolean; allowCommon?: boolean; allowPersonal?: boolean;
      temporaryPasswordDays?: number;
    }) => {
      const options = {
        ...(o.minLength !== undefined ? { minLength: o.minLength } : {}),
        ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
        ...(o.requireLowercase ? { requireLowercase: true } : {}),
        ...(o.requireUppercase ? { requireUppercase: true } : {}),
        ...(o.requireDigit ? { requireDigit: true } : {}),
        ...(o.requireSymbol ? { requireSymbol: true } : {}),
        ...(o.allowCommon ? { rejectCommon: false } : {}),
        ...(o.allowPersonal ? { rejectPersonal: false } : {}),
        ...(o.temporaryPasswordDays !== undefined ? { temporaryPasswordValidityDays: o.temporaryPasswordDays } : {}),
      };
      await withCliContext(env, async ({ services }) => {
        const policy = await services.userPool.setPasswordPolicy(options);
        const rules = policy.rules();
        out(program).result({ options: policy.options, rules }, () => [
          'password policy (new passwords; existing ones keep working):', ...rules.map((rule) => `  - ${rule.text}`),
          `temporary passwords: valid ${policy.options.temporaryPasswordValidityDays} days`,
        ].join('\n'));
      });
    });
  pool.command('set-account-deletion <mode>')
    .description('whether users may delete their own account on the account page: allowed | forbidden')
    .action(async (mode: string) => {
      if (mode !== 'allowed' && mode !== 'forbidden') throw new InvalidRequestError(`account deletion must be allowed or forbidden, not "${mode}"`);
      await withCliContext(env, async ({ services }) => {
        const allowed = await services.userPool.setSelfDelete(mode === 'allowed');
        out(program).result({ self_delete: allowed }, () => `account deletion by users: ${allowed ? 'allowed' : 'forbidden'}`);
      });
    });
  pool.command('set-default-role <role>')
    .description('role for authenticated users whom no rule or group assigns one ("none" to clear)')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const s = await services.roles.setDefaultRole(name === 'none' ? null : name);
        out(program).result(s, () => `default role: ${s.default_role ?? '(none)'}`);
      });
    });
  pool.command('set-guest-role <role>')
    .description('role for guest identities of the Cognito identity-pool API ("none", the default, refuses guests)')
    .action(async (name: string) => {
      await withCliContext(env, async ({ services }) => {
        const s = await services.roles.setGuestRole(name === 'none' ? null : name);
        out(program).result(s, () => `guest role: ${s.guest_role ?? '(none: guests are refused)'}`);
      });
    });
  pool.command('set-ambiguous <mode>')
    .description('when group precedence ties between different roles: deny | default_role')
    .action(async (mode: string) => {
      await withCliContext(env, async ({ services }) => {
        const s = await services.roles.setAmbiguousRoleResolution(mode);
        out(program).result(s, () => `ambiguous role resolution: ${s.ambiguous_role_resolution}`);
      });
    });
  const rule = pool.command('rule').description('ordered role-mapping rules (first match wins, at most 25)');
  rule.command('add')
    .description('add a rule, at the end or at --position')
    .requiredOption('--claim <claim>', 'claim to test, e.g. email, groups, custom:tier')
    .requiredOption('--match <type>', 'equals | contains | startsWith | notEqual')
    .requiredOption('--value <value>', 'value to compare with')
    .requiredOption('--role <role>', 'role to assign when the rule matches')
    .option('--position <n>', '1-based position', integer)
    .action(async (o: { claim: string; match: string; value: string; role: string; position?: number }) => {
      await withCliContext(env, async ({ services }) => {
        const rules = await services.roles.addRule({ claim: o.claim, match: o.match, value: o.value, role: o.role, ...(o.position !== undefined ? { position: o.position } : {}) });
        out(program).result(rules, () => table(['#', 'CLAIM', 'MATCH', 'VALUE', 'ROLE'], rules.map((r) => [String(r.position), r.claim, r.match_type, r.value, r.role_name])));
      });
    });
  rule.command('remove <position>')
    .description('remove the rule at a position')
    .action(async (position: string) => {
      await withCliContext(env, async ({ services }) => {
        const rules = await services.roles.removeRule(integer(position));
        out(program).result(rules, () => `removed rule ${position}; ${rules.length} left`);
      });
    });

  program.command('credentials-audit <accessKeyId>')
    .description('who received a storage access key (as seen in the object store\'s logs)')
    .action(async (accessKeyId: string) => {
      await withCliContext(env, async ({ services }) => {
        const found = await services.credentials.findIssuance(accessKeyId);
        if (!found) throw new NotFoundError(`no issuance of access key ${accessKeyId}`);
        // A guest of the identity-pool API has no user or client: its identity names it.
        const who = found.user_id ? `user ${found.user_id}, client ${found.client_id}` : `guest identity ${found.identity_id}`;
        out(program).result(found, () => `${found.access_key_id}: ${who}, role ${found.role_name}, issued ${found.issued_at.toISOString()}, expires ${found.expires_at.toISOString()}`);
      });
    });
}
