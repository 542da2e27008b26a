import { describe, expect, it } from 'vitest';
import { createLogger, requestLineLogger } from '../../src/lib/logger.js';
import { withLogContext } from '../../src/lib/log-context.js';
import { LogCapture } from '../support/test-server.js';

describe('request line logger', () => {
  it('writes to the same destination with the request context, while the main logger still redacts', async () => {
    const capture = new LogCapture();
    const logger = createLogger('info', capture);
    const lines = requestLineLogger(logger);
    expect(lines).not.toBe(logger);
    await withLogContext({ requestId: 'req-1' }, async () => {
      lines.info({ method: 'POST', path: '/token', status: 200, ms: 1.5 }, 'request');
      logger.info({ client_secret: 'do-not-log-me' }, 'other');
    });
    const [requestLine, other] = capture.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(requestLine).toMatchObject({ service: 'latchkey', requestId: 'req-1', method: 'POST', path: '/token', status: 200, msg: 'request' });
    expect(other).toMatchObject({ requestId: 'req-1', client_secret: '[redacted]' });
    expect(capture.text).not.toContain('do-not-log-me');
  });

  it('falls back to the logger itself for loggers it did not create (children redact as their parent does)', () => {
    const logger = createLogger('info', new LogCapture());
    const child = logger.child({ component: 'x' });
    expect(requestLineLogger(child)).toBe(child);
  });
});
