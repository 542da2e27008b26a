/** Reads a secret from standard input (for `--password -`), so it stays out of the process list and history. */
export async function readStdinSecret(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (chunks.reduce((n, c) => n + c.length, 0) > 4096) throw new Error('standard input is too long for a password');
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
