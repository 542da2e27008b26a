import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core. A missing browser fails the test run: browser tests
 * are never skipped. `CHROMIUM_PATH` overrides the location.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath} (install Debian's chromium or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath,
    headless: true,
    // Closed network: no background connections, no component updates, no sync.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
