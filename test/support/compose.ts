import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './processes.js';

export interface CommandResult { code: number; stdout: string; stderr: string }

/** Runs a command to completion (never throws on a non-zero exit: callers assert on `code`). */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr + (error && typeof error.code !== 'number' ? `\n${error.message}` : '') });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * A fresh checkout of the project for `docker compose`: the files git tracks or would track (committed or
 * not), without `.env`, `node_modules`, `dist` or `data`, in a new folder. Compose then sees exactly what a
 * user's clone holds.
 */
export async function freshCheckout(): Promise<string> {
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-compose-'));
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (file === '.env' || file.startsWith('node_modules/') || file.startsWith('dist/') || file.startsWith('data/')) continue;
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(dir, file));
    } catch (error) {
      // A tracked file deleted in the working tree is not part of the checkout.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return dir;
}

/** One compose project (unique name) over a checkout, with the environment compose interpolates from. */
export class ComposeProject {
  readonly name = `latchkey-e2e-${randomBytes(4).toString('hex')}`;

  readonly dir: string;
  readonly files: readonly string[];
  readonly env: NodeJS.ProcessEnv;

  constructor(dir: string, files: readonly string[], env: NodeJS.ProcessEnv) {
    this.dir = dir;
    this.files = files;
    this.env = env;
  }

  compose(args: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
    const fileArgs = this.files.flatMap((file) => ['-f', file]);
    return run('docker', ['compose', '-p', this.name, ...fileArgs, ...args], { cwd: this.dir, env: { ...this.env, ...options.env }, timeoutMs: options.timeoutMs ?? 120_000, ...(options.input !== undefined ? { input: options.input } : {}) });
  }

  /** `docker compose exec -T latchkey latchkey …`: the CLI as a user runs it in the container. */
  latchkey(args: readonly string[]): Promise<CommandResult> {
    return this.compose(['exec', '-T', 'latchkey', 'latchkey', ...args]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The environment compose runs with: only what locates Docker and the tools, so that nothing from the test
 * runner's environment (PORT, DATABASE_URL, …) is interpolated into the stack.
 */
export function composeEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'XDG_RUNTIME_DIR', 'TMPDIR'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])), ...extra };
}
