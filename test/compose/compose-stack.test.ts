import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { ComposeProject, composeEnvironment, freshCheckout, run } from '../support/compose.js';
import { toolsBin } from '../support/minio.js';

/**
 * `docker compose up` on a fresh checkout with no `.env`: the users' compose file, plus the test override that
 * builds the two images a registry-less machine cannot pull. The stack's published ports are its defaults on
 * loopback (3000, 8080, 8025, 9000, 9464), since the demo's redirect URI and the issuer name them.
 */
const LATCHKEY = 'http://localhost:3000';
const DEMO = 'http://localhost:8080';
const MAILPIT = 'http://127.0.0.1:8025';
const DEMO_USERS = { free: { email: 'free@example.com', password: 'Streaming-demo-2026' }, premium: { email: 'premium@example.com', password: 'Big-screen-demo-2026' } };

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function signInThroughDemo(browser: Browser, user: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(DEMO);
  await page.click('#sign-in');
  await page.waitForSelector('form#login-form');
  expect(page.url().startsWith(`${LATCHKEY}/`)).toBe(true);
  await page.fill('form#login-form input[name=username]', user.email);
  await page.fill('form#login-form input[name=password]', user.password);
  await page.click('form#login-form button[type=submit]');
  await page.waitForURL((url) => url.href.startsWith(DEMO) || url.pathname.includes('/interaction/'));
  if (await page.locator('form#consent-form').count()) await page.click('form#consent-form button[type=submit]');
  await page.waitForSelector('#user');
  return page;
}

async function catalogue(page: Page): Promise<{ role: string; free: { allowed: string | null; text: string }; premium: { allowed: string | null; text: string } }> {
  await page.click('#get-credentials');
  await page.waitForSelector('#credentials');
  const section = async (id: string) => ({ allowed: await page.locator(`#${id}`).getAttribute('data-allowed'), text: await page.locator(`#${id}`).innerText() });
  return { role: await page.locator('#role').innerText(), free: await section('media-free'), premium: await section('media-premium') };
}

describe('docker compose up, and nothing else', () => {
  let project: ComposeProject;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const busy = [];
    for (const port of [3000, 8080, 8025, 9000, 9464]) if (!(await portIsFree(port))) busy.push(port);
    if (busy.length) throw new Error(`the stack publishes these ports on 127.0.0.1, and they are in use: ${busy.join(', ')}`);
    const docker = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
    if (docker.code !== 0) throw new Error(`a Docker engine is needed for the compose test: ${docker.stderr.trim()}`);
    const dir = await freshCheckout();
    project = new ComposeProject(dir, ['docker-compose.yml', 'test/compose/docker-compose.test.yml'], composeEnvironment({ LATCHKEY_TOOLS_BIN: toolsBin() }));
    const up = await project.compose(['up', '-d', '--build', '--wait', '--wait-timeout', '600'], { timeoutMs: 1_500_000 });
    if (up.code !== 0) {
      const logs = await project.compose(['logs', '--no-color', '--tail', '60']);
      throw new Error(`docker compose up failed (${up.code}):\n${(up.stdout + up.stderr).slice(-4000)}\n${logs.stdout.slice(-8000)}`);
    }
    browser = await launchChromium();
  }, 1_600_000);

  afterAll(async () => {
    await browser?.close();
    if (project) {
      const down = await project.compose(['down', '-v', '--remove-orphans'], { timeoutMs: 180_000 });
      project.remove();
      if (down.code !== 0) throw new Error(`docker compose down failed: ${down.stderr}`);
    }
    // The runner that started a Docker engine for this test names the command that stops it again.
    const teardown = process.env.LATCHKEY_DOCKER_TEARDOWN;
    if (teardown) await run('bash', [teardown], { timeoutMs: 120_000 });
  }, 300_000);

  it('brings every long-running service up healthy, and the one-shot jobs exit 0', async () => {
    const ps = await project.compose(['ps', '--all', '--format', 'json']);
    const services = ps.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { Service: string; State: string; Health: string; ExitCode: number });
    const byName = Object.fromEntries(services.map((s) => [s.Service, s]));
    for (const name of ['postgres', 'minio', 'mailpit', 'latchkey', 'demo']) {
      expect({ name, state: byName[name]?.State, health: byName[name]?.Health }).toEqual({ name, state: 'running', health: 'healthy' });
    }
    for (const name of ['secrets', 'minio-init']) expect({ name, state: byName[name]?.State, exit: byName[name]?.ExitCode }).toEqual({ name, state: 'exited', exit: 0 });
  });

  it('signs a free user in through the demo app: claims, groups, credentials for media-free, the free titles only', async () => {
    const page = await signInThroughDemo(browser!, DEMO_USERS.free);
    expect(await page.locator('#user').innerText()).toBe(DEMO_USERS.free.email);
    expect(await page.locator('#groups li').allInnerTexts()).toEqual(['free']);
    expect(await page.locator('#claims tr[data-claim=iss] td').innerText()).toBe(JSON.stringify(LATCHKEY));
    expect(await page.locator('#claims tr[data-claim=email_verified] td').innerText()).toBe('true');
    const listing = await catalogue(page);
    expect(listing.role).toBe('media-free');
    expect(listing.free).toEqual({ allowed: 'true', text: expect.stringContaining('free/welcome.txt') as string });
    expect(listing.premium.allowed).toBe('false');
    expect(listing.premium.text).toContain('Access denied');
    expect(listing.premium.text).not.toContain('the-long-night');
  });

  it('signs a premium user in: both groups, credentials for media-premium, free and premium titles', async () => {
    const page = await signInThroughDemo(browser!, DEMO_USERS.premium);
    expect((await page.locator('#groups li').allInnerTexts()).sort()).toEqual(['free', 'premium']);
    const listing = await catalogue(page);
    expect(listing.role).toBe('media-premium');
    expect(listing.free.allowed).toBe('true');
    expect(listing.premium).toEqual({ allowed: 'true', text: expect.stringContaining('premium/the-long-night.txt') as string });
  });

  it('delivers the mail Latchkey sends (a password-reset code) to the mail catcher', async () => {
    const page = await (await browser!.newContext()).newPage();
    await page.goto(DEMO);
    await page.click('#sign-in');
    await page.click('a#forgot-password-link');
    await page.fill('form#forgot-form input[name=username]', DEMO_USERS.free.email);
    await page.click('form#forgot-form button[type=submit]');
    let found: { To: { Address: string }[]; Subject: string } | undefined;
    for (let attempt = 0; attempt < 40 && !found; attempt++) {
      const answer = await fetch(`${MAILPIT}/api/v1/messages`);
      const body = await answer.json() as { messages: { To: { Address: string }[]; Subject: string }[] };
      found = body.messages.find((m) => m.To.some((to) => to.Address === DEMO_USERS.free.email));
      if (!found) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(found?.Subject).toMatch(/reset|password|code/i);
  });

  it('runs CLI commands inside the container (docker compose exec latchkey …)', async () => {
    const created = await project.latchkey(['user', 'create', '--email', 'persisted@example.com', '--password', 'Sturdy-volume-2026-x', '--verified', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const list = await project.latchkey(['user', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('premium@example.com');
    expect(list.stdout).toContain('persisted@example.com');
  });

  it('keeps its data and its secrets across docker compose restart latchkey', async () => {
    const before = await project.compose(['exec', '-T', 'latchkey', 'sh', '-c', 'cat /run/latchkey-secrets/env | grep -c "^LATCHKEY_SECRET=dev-"']);
    expect(before.stdout.trim()).toBe('1');
    const restart = await project.compose(['restart', 'latchkey'], { timeoutMs: 180_000 });
    expect(restart.code, restart.stderr).toBe(0);
    const wait = await project.compose(['up', '-d', '--wait', '--wait-timeout', '180', 'latchkey'], { timeoutMs: 240_000 });
    expect(wait.code, wait.stderr).toBe(0);
    const shown = await project.latchkey(['user', 'show', 'persisted@example.com', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('persisted@example.com');
    // Sessions and keys survived too: a sign-in through the demo still works and verifies.
    const page = await signInThroughDemo(browser!, DEMO_USERS.free);
    expect(await page.locator('#groups li').allInnerTexts()).toEqual(['free']);
  });

  it('validates every profile, and production refuses the generated development secrets', async () => {
    const development = await project.compose(['config', '--quiet']);
    expect(development.code, development.stderr).toBe(0);
    const prodFiles = ['-f', 'docker-compose.yml', '-f', 'docker-compose.prod.yml'];
    const missing = await run('docker', ['compose', '-p', project.name, ...prodFiles, 'config', '--quiet'], { cwd: project.dir, env: project.env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/set in \.env|LATCHKEY_ISSUER|SMTP_URL/);
    const productionEnv = { ...project.env, POSTGRES_PASSWORD: 'p'.repeat(40), MINIO_ROOT_PASSWORD: 'm'.repeat(40), LATCHKEY_STS_SECRET: 's'.repeat(40), LATCHKEY_ISSUER: 'https://id.example.com', SMTP_URL: 'smtp://mail.example.com:587' };
    const prodConfig = await run('docker', ['compose', '-p', project.name, ...prodFiles, '--profile', 'development', 'config', '--quiet'], { cwd: project.dir, env: { ...productionEnv, LATCHKEY_SECRET: 'x'.repeat(40) } });
    expect(prodConfig.code, prodConfig.stderr).toBe(0);
    const prodServices = await run('docker', ['compose', '-p', project.name, ...prodFiles, 'config', '--services'], { cwd: project.dir, env: { ...productionEnv, LATCHKEY_SECRET: 'x'.repeat(40) } });
    expect(prodServices.stdout.trim().split('\n').sort()).toEqual(['latchkey', 'minio', 'minio-init', 'postgres']);
    // The development secret itself, handed to the production Latchkey: it stops before touching anything.
    const devSecret = (await project.compose(['exec', '-T', 'latchkey', 'sh', '-c', 'grep ^LATCHKEY_SECRET= /run/latchkey-secrets/env | cut -d= -f2-'])).stdout.trim();
    expect(devSecret).toMatch(/^dev-/);
    const refused = await run('docker', ['compose', '-p', project.name, ...prodFiles, 'run', '--rm', '--no-deps', 'latchkey'], { cwd: project.dir, env: { ...productionEnv, LATCHKEY_SECRET: devSecret }, timeoutMs: 120_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/LATCHKEY_SECRET.*development/i);
  });
});
