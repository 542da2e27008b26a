import { InvalidRequestError } from '../errors/app-error.js';

/** A readable terminal: what `process.stdin` is when a person types at it. */
export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface ReadSecretOptions {
  /** Shown before the first entry on a terminal, e.g. "New password". */
  prompt: string;
  /** On a terminal, ask a second time and compare (a typo in a hidden password is invisible). */
  confirm?: boolean;
  input?: SecretInput;
  output?: NodeJS.WritableStream;
}

/** How many times a person may mistype the confirmation before the command gives up. */
const CONFIRM_ATTEMPTS = 3;
const MAX_LENGTH = 4096;

/**
 * Reads a secret for `--password -` (and `--client-secret -`), so it stays out of the process list and
 * the shell history. On a terminal it prompts on stderr without echo and, with `confirm`, asks twice
 * (a mismatch asks again, up to three times, then exit 1); from a pipe it reads the input up to the end,
 * less one trailing line break, as scripts send it.
 */
export async function readSecret(options: ReadSecretOptions): Promise<string> {
  const input: SecretInput = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  if (!input.isTTY || !input.setRawMode) return readPiped(input);
  for (let attempt = 1; ; attempt++) {
    const first = await promptHidden(input, output, `${options.prompt}: `);
    if (first === '') throw new InvalidRequestError('no password was typed');
    if (!options.confirm) return first;
    const second = await promptHidden(input, output, `${options.prompt} (again): `);
    if (first === second) return first;
    if (attempt >= CONFIRM_ATTEMPTS) throw new InvalidRequestError(`the two entries did not match ${CONFIRM_ATTEMPTS} times; nothing was changed`);
    output.write('The two entries did not match; try again.\n');
  }
}

/** A secret that is pasted rather than chosen (an upstream's client secret): asked once on a terminal. */
export function readStdinSecret(prompt = 'Secret'): Promise<string> {
  return readSecret({ prompt });
}

async function readPiped(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    length += buffer.length;
    if (length > MAX_LENGTH) throw new InvalidRequestError('standard input is too long for a password');
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * One line typed in raw mode, so the terminal does not echo it. Backspace edits, Enter ends, Ctrl-C
 * aborts (as it would have without raw mode), Ctrl-D on an empty line ends the entry.
 */
function promptHidden(input: SecretInput, output: NodeJS.WritableStream, prompt: string): Promise<string> {
  output.write(prompt);
  input.setRawMode!(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | null) => {
      input.removeListener('data', onData);
      input.setRawMode!(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || (char === '\u0004' && typed === '')) return finish(null);
        if (char === '\u0003') return finish(new InvalidRequestError('interrupted; nothing was changed'));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
        if (typed.length > MAX_LENGTH) return finish(new InvalidRequestError('the password is too long'));
      }
    };
    input.on('data', onData);
  });
}
