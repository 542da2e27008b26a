import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createServices } from '../services.js';
import { applyConfig } from '../declarative/apply-config.js';
import { configJsonSchemaText } from '../declarative/config-json-schema.js';
import { exportConfig, formatConfig, type ConfigFormat } from '../declarative/export-config.js';
import { formatConfigPath } from '../declarative/config-path.js';
import type { Plan } from '../declarative/plan.js';
import { planSummary, presentPlan } from '../declarative/present-plan.js';
import { readConfigFile } from '../declarative/read-config-file.js';
import { resolveConfig } from '../declarative/resolve-config.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput, table } from './output.js';

/** The plan for people: one line per entry (a change lists its fields), then the counts. */
function planTable(plan: Plan): string {
  const rows = plan.entries.map((entry) => [entry.action, formatConfigPath(entry.key ? [entry.section, entry.key] : [entry.section]), entry.fields.join(', ')]);
  return `${table(['ACTION', 'ENTRY', 'FIELDS'], rows)}\n${planSummary(plan)}`;
}

/**
 * `latchkey config`: declarative configuration. `apply` plans a file against Latchkey's state, prints the plan
 * and applies it in one transaction; `export` writes the state as such a file; `schema` prints its JSON Schema.
 * A file that cannot be applied exits with status 2, listing every problem by its place in the file.
 */
export function registerConfigCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const out = () => createOutput(Boolean(program.opts().json));
  const config = program.command('config').description('declarative configuration: apply a YAML or JSON file, export the current state');

  config.command('apply <file>')
    .description('plan the file against the current state (add, change, unchanged; remove with --prune), print the plan and apply it in one transaction')
    .option('--dry-run', 'print the plan and write nothing', false)
    .option('--prune', 'remove entries of the file\'s sections that the file does not name (never users)', false)
    .action(async (file: string, o: { dryRun: boolean; prune: boolean }) => {
      // The file is read and checked before the database is opened: a bad file fails fast and touches nothing.
      const { document, digest } = readConfigFile(file);
      const desired = resolveConfig(document, file, { env });
      await withCliContext(env, async ({ config: settings, db, secrets, logger }) => {
        const servicesFor = (tx: typeof db) => createServices({ config: settings, db: tx, secrets, logger, sts: null });
        const plan = await applyConfig({ db, servicesFor }, desired, { file, digest, prune: o.prune, dryRun: o.dryRun });
        out().result(presentPlan(plan), () => planTable(plan));
      });
    });

  config.command('export')
    .description('print the current state as a configuration file (secrets as environment variable references, never values)')
    .addOption(new Option('--format <format>', 'yaml or json').choices(['yaml', 'json']).default('yaml'))
    .option('--output <file>', 'write to this file instead of standard output')
    .option('--users', 'include users (as seed users, without passwords)', false)
    .action(async (o: { format: ConfigFormat; output?: string; users: boolean }) => {
      await withCliContext(env, async ({ services }) => {
        const { document, secrets } = await exportConfig(services, { users: o.users });
        const text = formatConfig(document, o.format, secrets);
        if (o.output === undefined) {
          process.stdout.write(text);
          return;
        }
        try {
          writeFileSync(o.output, text);
        } catch (error) {
          throw new InvalidRequestError(`cannot write "${o.output}" (${(error as { code?: string }).code ?? 'error'})`);
        }
        out().result({ output: o.output, format: o.format, secrets }, () => [
          `exported to ${o.output}`,
          ...(secrets.length > 0 ? ['set these environment variables to apply it:', ...secrets.map((s) => `  ${s.env} (${s.path})`)] : []),
        ].join('\n'));
      });
    });

  config.command('schema')
    .description('print the JSON Schema of the configuration file')
    .action(() => {
      process.stdout.write(configJsonSchemaText());
    });
}
