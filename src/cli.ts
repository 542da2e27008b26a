import { Command, CommanderError } from 'commander';
import { ConfigError } from './config/load-config.js';
import { AppError, InvalidRequestError } from './errors/app-error.js';
import { StartupError } from './errors/startup-error.js';
import { registerCommands } from './cli/commands.js';
import { registerIdentityPoolCommands } from './cli/identity-pool-commands.js';
import { registerFederationCommands } from './cli/federation-commands.js';
import { registerMfaCommands } from './cli/mfa-commands.js';
import { registerPasskeyCommands } from './cli/passkey-commands.js';
import { registerMailCommands } from './cli/mail-commands.js';
import { registerUserPasswordCommands } from './cli/user-password-commands.js';
import { registerUserTransferCommands } from './cli/user-transfer-commands.js';
import { registerClientCommands } from './cli/client-commands.js';
import { registerAdminCommands } from './cli/admin-commands.js';
import { registerDirectoryAdminCommands } from './cli/directory-admin-commands.js';
import { registerAuditCommands } from './cli/audit-commands.js';
import { registerConfigCommands } from './cli/config-commands.js';
import { ConfigFileError } from './declarative/config-file-error.js';
import { packageVersion } from './lib/package-version.js';

/** The `latchkey` command tree, every subcommand registered (nothing runs until it is parsed). */
export function buildProgram(env: NodeJS.ProcessEnv): Command {
  const program = new Command('latchkey')
    .description('Latchkey: a self-hosted OpenID Connect identity broker.\nEnvironment: DATABASE_URL (unset: embedded database in LATCHKEY_DATA_DIR), LATCHKEY_SECRET, LATCHKEY_ISSUER, PORT.')
    .version(packageVersion(), '-V, --version', 'print the version of Latchkey')
    .option('--json', 'print machine-readable JSON (errors too: {"error", "error_description"} on stdout)')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program, env);
  registerIdentityPoolCommands(program, env);
  registerFederationCommands(program, env);
  registerUserPasswordCommands(program, env);
  registerUserTransferCommands(program, env);
  registerClientCommands(program, env);
  registerMfaCommands(program, env);
  registerPasskeyCommands(program, env);
  registerMailCommands(program, env);
  registerAdminCommands(program, env);
  registerDirectoryAdminCommands(program, env);
  registerAuditCommands(program, env);
  registerConfigCommands(program, env);
  return program;
}

/** Exit codes: 0 ok, 1 the operation failed, 2 usage or configuration error, 3 storage revocation queued, 4 import rows rejected (README). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram(env);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    let code = 1;
    if (error instanceof CommanderError) {
      code = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`latchkey: ${error.message}\n`);
      code = 2;
    } else if (error instanceof ConfigFileError) {
      // A configuration file that cannot be applied is a usage error: every problem listed, nothing written.
      if (program.opts().json) process.stdout.write(`${JSON.stringify({ error: 'invalid_config', error_description: error.message, details: error.problems })}\n`);
      process.stderr.write(`latchkey: ${error.message}\n`);
      code = 2;
    } else if (error instanceof AppError) {
      const details = error instanceof InvalidRequestError && error.details ? error.details.map((d) => `\n  - ${d.path}: ${d.message}`).join('') : '';
      if (program.opts().json) process.stdout.write(`${JSON.stringify({ error: error.code, error_description: error.message, ...(details ? { details: (error as InvalidRequestError).details } : {}) })}\n`);
      process.stderr.write(`latchkey: ${error.message}${details}\n`);
    } else if (error instanceof StartupError) {
      if (program.opts().json) process.stdout.write(`${JSON.stringify({ error: 'startup_failed', setting: error.setting, error_description: error.message })}\n`);
      process.stderr.write(`latchkey: ${error.message}\n`);
    } else {
      process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exitCode = code;
    return code;
  }
}
