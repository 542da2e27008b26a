import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSecret, type SecretInput } from '../../src/cli/read-secret.js';

/** A stand-in terminal: records raw-mode switches, and is typed at only while raw mode is on. */
function terminal(lines: readonly string[]) {
  const input = new PassThrough() as PassThrough & SecretInput;
  const modes: boolean[] = [];
  const pending = [...lines];
  input.isTTY = true;
  input.setRawMode = (mode: boolean) => {
    modes.push(mode);
    // Type the next entry once the prompt has turned echo off, as a person would after seeing the prompt.
    if (mode && pending.length) setImmediate(() => input.write(pending.shift()!));
    return input;
  };
  const output = new PassThrough();
  let written = '';
  output.on('data', (d: Buffer) => { written += d.toString(); });
  return { input, output, modes, written: () => written };
}

describe('readSecret', () => {
  it('on a terminal asks twice without echo and returns the entry when both match', async () => {
    const tty = terminal(['horse battery\r', 'horse battery\r']);
    await expect(readSecret({ prompt: 'New password', confirm: true, input: tty.input, output: tty.output })).resolves.toBe('horse battery');
    expect(tty.written()).toBe('New password: \nNew password (again): \n');
    expect(tty.modes).toEqual([true, false, true, false]);
  });

  it('asks again after a mismatch, honours backspace, and gives up after three mismatches', async () => {
    const retry = terminal(['one\r', 'two\r', 'secretx\u007f\r', 'secret\r']);
    await expect(readSecret({ prompt: 'Password', confirm: true, input: retry.input, output: retry.output })).resolves.toBe('secret');
    expect(retry.written()).toContain('The two entries did not match; try again.');

    const never = terminal(['a\r', 'b\r', 'a\r', 'b\r', 'a\r', 'b\r']);
    await expect(readSecret({ prompt: 'Password', confirm: true, input: never.input, output: never.output })).rejects.toThrow('did not match 3 times; nothing was changed');
    expect(never.modes.at(-1)).toBe(false);
  });

  it('stops on Ctrl-C and refuses an empty entry', async () => {
    const interrupted = terminal(['abc\u0003']);
    await expect(readSecret({ prompt: 'Password', input: interrupted.input, output: interrupted.output })).rejects.toThrow('interrupted');
    const empty = terminal(['\r']);
    await expect(readSecret({ prompt: 'Password', input: empty.input, output: empty.output })).rejects.toThrow('no password was typed');
  });

  it('from a pipe reads the input without a prompt, less one trailing line break', async () => {
    const pipe = new PassThrough();
    pipe.end('piped secret\n');
    const output = new PassThrough();
    let written = '';
    output.on('data', (d: Buffer) => { written += d.toString(); });
    await expect(readSecret({ prompt: 'Password', confirm: true, input: pipe, output })).resolves.toBe('piped secret');
    expect(written).toBe('');
  });
});
