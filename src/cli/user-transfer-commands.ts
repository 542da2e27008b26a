import { createReadStream, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Transform, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import type { ImportReport, TransferFormat } from '../directory/transfer/transfer-user.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { withCliContext } from './cli-context.js';
import { createOutput } from './output.js';

/** Exit status of `users import` when the import ran but at least one row was rejected (see the report). */
export const EXIT_ROWS_REJECTED = 4;

/** Rejected rows printed in the human summary; `--report` and `--json` carry all the report keeps. */
const SHOWN_REJECTIONS = 20;

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

/** The report as `--json` and `--report` write it (snake_case, as every JSON Latchkey prints). */
function presentReport(report: ImportReport) {
  return {
    dry_run: report.dryRun,
    total: report.total,
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged,
    rejected_count: report.rejectedCount,
    rejected: report.rejected,
    groups_created: report.groupsCreated,
  };
}

function summary(report: ImportReport): string {
  const counts = `${report.total} rows: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejectedCount} rejected`;
  const lines = [report.dryRun ? `dry run (nothing was written): ${counts}` : counts];
  if (report.groupsCreated.length) lines.push(`groups created: ${report.groupsCreated.join(', ')}`);
  for (const rejected of report.rejected.slice(0, SHOWN_REJECTIONS)) lines.push(`  line ${rejected.line}${rejected.identifier ? ` (${rejected.identifier})` : ''}: ${rejected.reason}`);
  if (report.rejectedCount > SHOWN_REJECTIONS) lines.push(`  … and ${report.rejectedCount - SHOWN_REJECTIONS} more (--report FILE writes them${report.rejectedCount > report.rejected.length ? `, the first ${report.rejected.length}` : ''})`);
  return lines.join('\n');
}

/** `.jsonl`, `.ndjson` and `.json` files are JSON Lines; anything else (and standard input) CSV. */
function formatOf(file: string, given: TransferFormat | undefined): TransferFormat {
  return given ?? (/\.(jsonl|ndjson|json)$/i.test(file) ? 'json' : 'csv');
}

/**
 * A progress bar on a terminal: the share of the file read, redrawn after each batch. Elsewhere (a pipe, a
 * log file) nothing until the summary, so logs are not filled with carriage returns.
 */
function progressBar(size: number | null, counted: () => number): ((report: Readonly<ImportReport>) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (report) => {
    const share = size ? Math.min(1, counted() / size) : null;
    const bar = share === null ? '' : `[${'#'.repeat(Math.round(share * 30)).padEnd(30, '-')}] ${String(Math.floor(share * 100)).padStart(3)}% `;
    process.stderr.write(`\r${bar}${report.total} rows, ${report.rejectedCount} rejected`);
  };
}

/** The file (or standard input for `-`), with a count of the bytes read for the progress bar. */
function openInput(file: string): { input: Readable; size: number | null; read: () => number } {
  let read = 0;
  // A transform, not a 'data' listener: a listener would start the flow before the importer reads.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      done(null, chunk);
    },
  });
  if (file === '-') return { input: process.stdin.pipe(counter), size: null, read: () => read };
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new InvalidRequestError(`cannot read "${file}"`);
  }
  const source = createReadStream(file);
  source.once('error', (error) => counter.destroy(error));
  return { input: source.pipe(counter), size, read: () => read };
}

const formatOption = () => new Option('--format <format>', 'csv (Cognito\'s user import CSV with latchkey: columns) or json (JSON Lines, one user per line)').choices(['csv', 'json']);

/**
 * `latchkey users import FILE` and `latchkey users export`: bulk transfer of users with their password
 * hashes, groups and linked identities (README, "Importing and exporting users").
 */
export function registerUserTransferCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const users = program.command('users').description('import and export users in bulk, with password hashes, groups and linked identities');

  users.command('import <file>')
    .description('create or update users from FILE ("-": standard input); exit status 4 when a row was rejected')
    .addHelpText('after', [
      '',
      'Rows are read as a stream and written one batch per transaction; a rejected row writes nothing and the',
      'others are imported. A row finds its user by latchkey:id, username or e-mail: it is updated where it',
      'differs (a password the user already has is kept) or left unchanged, so running a file again is safe.',
      'Password hashes may be argon2id, bcrypt ($2a$, $2b$, $2y$), scrypt ($scrypt$), PBKDF2-SHA256 (passlib or',
      'Django) or Firebase scrypt ($firebase-scrypt$); each becomes argon2id at the user\'s first sign-in. A new',
      'user with neither a hash nor a linked identity must reset their password. Missing groups are created;',
      'identities name a provider Latchkey knows (provider:subject). Formats: README, "Importing and exporting users".',
      '',
      'Exit status: 0 every row imported, 4 some rows rejected (see the summary or --report), 1 the import',
      'stopped (an unreadable or malformed file, a refused header), 2 a usage error.',
    ].join('\n'))
    .addOption(formatOption())
    .option('--dry-run', 'do everything in transactions that are rolled back: report what would happen, write nothing', false)
    .option('--report <file>', 'write the report (counts, rejected rows with line and reason, groups created) to FILE as JSON')
    .action(async (file: string, o: { format?: TransferFormat; dryRun: boolean; report?: string }) => {
      const format = formatOf(file, o.format);
      const { input, size, read } = openInput(file);
      await withCliContext(env, async ({ services }) => {
        const onProgress = out(program).json ? undefined : progressBar(size, read);
        let report: ImportReport;
        try {
          report = await services.transfer.importUsers({ input, format, dryRun: o.dryRun, ...(onProgress ? { onProgress } : {}) });
        } finally {
          if (onProgress) process.stderr.write('\n');
        }
        if (o.report) writeFileSync(o.report, `${JSON.stringify(presentReport(report), null, 2)}\n`);
        out(program).result(presentReport(report), () => summary(report));
        if (report.rejectedCount > 0) process.exitCode = EXIT_ROWS_REJECTED;
      });
    });

  users.command('export')
    .description('write every user (with groups and linked identities) to standard output or --output, in a format `users import` reads back')
    .addOption(formatOption().default('csv'))
    .option('--include-hashes', 'include password hashes (keep the file as secret as the database)', false)
    .option('--output <file>', 'write to FILE (created readable by its owner only) instead of standard output')
    .action(async (o: { format: TransferFormat; includeHashes: boolean; output?: string }) => {
      await withCliContext(env, async ({ services }) => {
        const output: Writable = o.output ? createWriteStream(o.output, { mode: 0o600 }) : process.stdout;
        if (o.output) await once(output, 'open');
        const exported = await services.transfer.exportUsers({ format: o.format, includeHashes: o.includeHashes, output });
        if (o.output) {
          output.end();
          await finished(output);
        }
        const result = { format: o.format, include_hashes: exported.includeHashes, total: exported.total, output: o.output ?? null };
        const human = () => `exported ${exported.total} users${exported.includeHashes ? ' with password hashes' : ''}${o.output ? ` to ${o.output}` : ''}`;
        // With the users on standard output, the summary goes to standard error.
        if (o.output) out(program).result(result, human);
        else createOutput(out(program).json, (s) => process.stderr.write(s)).result(result, human);
      });
    });
}
