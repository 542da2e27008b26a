import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll } from 'vitest';

/** One message the capture received, parsed as a mail client would read it. */
export interface CapturedMail {
  /** Envelope recipients (RCPT TO), as sent. */
  readonly to: readonly string[];
  /** Envelope sender (MAIL FROM). */
  readonly envelopeFrom: string;
  /** The From header as written, e.g. `Latchkey <no-reply@127.0.0.1>`. */
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The raw message, headers included. */
  readonly raw: string;
}

export interface SmtpCapture {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  readonly url: string;
  readonly port: number;
  /** Every message received so far, oldest first. */
  readonly messages: readonly CapturedMail[];
  /**
   * The oldest message to `to` (case-insensitive) that matches `predicate` and that no earlier `waitFor`
   * returned, waiting up to `timeoutMs` for it; rejects when none arrives. Each message is returned once,
   * so a test expecting a second code waits for a second message.
   */
  waitFor(to: string, predicate?: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** Stops listening; safe to call twice (it also runs by itself after the test file). */
  stop(): Promise<void>;
}

const running = new Set<SmtpCapture>();
// Captures a test file forgot to stop still close when it ends, so no listener outlives its file.
afterAll(async () => {
  await Promise.all([...running].map((capture) => capture.stop()));
});

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 with a free port: no TLS, no authentication, every
 * message accepted and parsed with mailparser. Latchkey's nodemailer talks to it exactly as to a relay.
 */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const taken = new Set<CapturedMail>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            from: addressText(parsed.from),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            raw: raw.toString('utf8'),
          });
          for (const wake of waiters) wake();
          callback();
        }, (error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => { /* a client dropping mid-session must not fail the test run */ });
  const { port } = server.server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  const capture: SmtpCapture = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(to, predicate = () => true, timeoutMs = 10_000) {
      const wanted = to.toLowerCase();
      const find = () => messages.find((m) => !taken.has(m) && m.to.some((r) => r.toLowerCase() === wanted) && predicate(m));
      return new Promise<CapturedMail>((resolve, reject) => {
        const check = () => {
          const found = find();
          if (!found) return;
          taken.add(found);
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms (received: ${messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop() {
      running.delete(capture);
      stopped ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return stopped;
    },
  };
  running.add(capture);
  return capture;
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}
