import { spawn, type ChildProcess } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { recordAudit } from '../../src/audit/record-audit.js';
import { ConflictError, NotFoundError } from '../../src/errors/app-error.js';
import type { Services } from '../../src/services.js';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { ROOT, runCli } from '../support/processes.js';
import { TEST_SECRET } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/** One line of `latchkey audit --json` (presentAuditEvent). */
interface EventLine {
  id: number;
  time: string;
  type: string;
  outcome: string;
  actor: { type: string; id: string | null };
  subject: string | null;
  client_id: string | null;
  address: string | null;
  details: Record<string, unknown>;
}

/** `latchkey audit --follow` running in its own process, its standard output read line by line. */
class Follower {
  readonly lines: EventLine[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private buffer = '';
  stderr = '';

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin', 'latchkey.js'), 'audit', '--follow', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const complete = this.buffer.split('\n');
      this.buffer = complete.pop() ?? '';
      for (const line of complete) this.lines.push(JSON.parse(line) as EventLine);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits (up to 20 s) until a printed line satisfies `match`. */
  async waitFor(match: (line: EventLine) => boolean): Promise<EventLine> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching event line; printed: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

describe(`audit log (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let services: Services;
  let env: Record<string, string>;
  let app: oidc.Configuration;
  let appId: string;
  let alice: { id: string };

  /** The events committed after event `after`, oldest first. */
  async function eventsAfter(after: number): Promise<AuditEvent[]> {
    const { events } = await services.audit.query({ limit: 1000 });
    return events.filter((event) => event.id > after).reverse();
  }

  beforeAll(async () => {
    services = ctx.server.latchkey.services;
    const seeded = await seedDirectory(services);
    alice = seeded.user;
    appId = seeded.client.client_id;
    app = await discover(ctx.server, seeded.client);
    env = { ...ctx.database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
  });

  it('a hosted sign-in through an app records one success with the user as actor, the app and the address; a wrong password one failure naming the user; an unknown name one failure naming nobody', async () => {
    let before = await services.audit.latestId();
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, app);
    await signInToCallback(agent, page, 'alice', PASSWORD);
    expect(await eventsAfter(before)).toEqual([expect.objectContaining({
      type: 'sign_in.password', outcome: 'success', actor: { kind: 'user', id: alice.id }, subjectId: alice.id, clientId: appId, address: '127.0.0.1', details: {},
    })]);

    before = await services.audit.latestId();
    const agent2 = new UserAgent();
    const retry = await openLoginPage(agent2, app);
    const wrong = await agent2.submit(retry.page, 'form#login-form', { username: 'Alice@Example.com', password: 'not her password' });
    expect(wrong.status).toBe(401);
    expect(await eventsAfter(before)).toEqual([expect.objectContaining({
      type: 'sign_in.password', outcome: 'failure', actor: { kind: 'anonymous', id: null }, subjectId: alice.id, clientId: appId, address: '127.0.0.1', details: { reason: 'wrong_password' },
    })]);

    // A name that matches nobody is often a password typed into the wrong field: nothing typed is kept.
    before = await services.audit.latestId();
    const agent3 = new UserAgent();
    const third = await openLoginPage(agent3, app);
    expect((await agent3.submit(third.page, 'form#login-form', { username: 'Tr0ub4dor&3', password: 'Tr0ub4dor&3 again' })).status).toBe(401);
    const unknown = await eventsAfter(before);
    expect(unknown).toEqual([expect.objectContaining({ type: 'sign_in.password', outcome: 'failure', subjectId: null, clientId: appId, address: '127.0.0.1', details: { reason: 'unknown_account' } })]);
    expect(JSON.stringify(unknown)).not.toContain('Tr0ub4dor');
  });

  it('latchkey user disable records one user.disabled by the command line (the operating-system account), with no app and no address', async () => {
    const bob = await services.users.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
    const before = await services.audit.latestId();
    const disabled = await runCli(['user', 'disable', 'bob'], env);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(await eventsAfter(before)).toEqual([expect.objectContaining({
      type: 'user.disabled', outcome: 'success', actor: { kind: 'cli', id: userInfo().username }, subjectId: bob.id, clientId: null, address: null,
    })]);
  });

  it('a change that fails leaves no event: a taken e-mail, a member who does not exist, a create failing after its insert, an update clashing with another username', async () => {
    await services.users.create({ username: 'carol', email: 'carol@example.com', password: PASSWORD });
    const before = await services.audit.latestId();
    await expect(services.users.create({ email: 'CAROL@example.com', password: PASSWORD })).rejects.toBeInstanceOf(ConflictError);
    await expect(services.groups.addUser('staff', 'nobody@example.com')).rejects.toBeInstanceOf(NotFoundError);
    // The user row and its first membership are written before the unknown group is found: all of it rolls back.
    await expect(services.users.create({ username: 'dave', password: PASSWORD, groups: ['staff', 'no-such-group'] })).rejects.toBeInstanceOf(NotFoundError);
    expect(await services.users.findSignInAccount('dave')).toMatchObject({ user: undefined });
    // The unique constraint refuses the UPDATE inside the transaction that would have recorded user.updated.
    await expect(services.users.update('carol', { username: 'alice' }, { actor: 'admin' })).rejects.toBeInstanceOf(ConflictError);
    await expect(services.roles.deleteRole('no-such-role')).rejects.toBeInstanceOf(NotFoundError);
    expect(await eventsAfter(before)).toEqual([]);

    // The same changes that succeed leave exactly one event each.
    await services.groups.addUser('staff', 'carol');
    await services.users.update('carol', { username: 'caroline', profile: { name: 'Carol C' } }, { actor: 'admin' });
    expect((await eventsAfter(before)).map((e) => [e.type, e.details])).toEqual([
      ['group.member_added', { group: 'staff' }],
      ['user.updated', { fields: ['username', 'name'] }],
    ]);
  });

  it('on the account page the signed-in user is the actor: signing out of one app records grant.revoked with that app, a password change password.changed', async () => {
    const fay = await services.users.create({ username: 'fay', email: 'fay@example.com', password: PASSWORD, emailVerified: true });
    const browser = new UserAgent();
    const { page: login } = await openLoginPage(browser, app);
    await signInToCallback(browser, login, 'fay', PASSWORD);
    const before = await services.audit.latestId();
    const page = await browser.navigate(`${ctx.server.issuer}/account`);
    const signedOut = await browser.follow(await browser.submit(page, '#account-apps li form'));
    expect(signedOut.url).toBe(`${ctx.server.issuer}/account?notice=app_signed_out`);
    expect((await browser.submit(signedOut, 'form#password-form', { current_password: PASSWORD, new_password: 'a fresh and long passphrase' })).status).toBe(200);
    const asFay = { actor: { kind: 'user', id: fay.id }, subjectId: fay.id, address: '127.0.0.1', outcome: 'success' };
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({ type: 'grant.revoked', clientId: appId, ...asFay }),
      expect.objectContaining({ type: 'password.changed', clientId: null, ...asFay }),
    ]);
  });

  it('latchkey audit --user U --since 1h --json prints the user\'s events as JSON lines, newest first; by username, e-mail or a deleted user\'s id; as a table; a bad --since is refused', async () => {
    const erin = await services.users.create({ username: 'erin', email: 'erin@example.com', password: PASSWORD });
    await services.groups.addUser('staff', 'erin');
    await services.users.requireReset('erin');

    const listed = await runCli(['audit', '--user', 'erin', '--since', '1h', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as EventLine);
    expect(lines.map((line) => line.type)).toEqual(['password.reset_required', 'group.member_added', 'user.created']);
    expect(lines.every((line) => line.subject === erin.id)).toBe(true);
    expect(Object.keys(lines[0]!)).toEqual(['id', 'time', 'type', 'outcome', 'actor', 'subject', 'client_id', 'address', 'details']);
    expect(lines[0]!.id).toBeGreaterThan(lines[1]!.id);

    const byEmail = await runCli(['audit', '--user', 'ERIN@example.com', '--type', 'group.', '--json'], env);
    expect(byEmail.stdout.trim().split('\n').map((line) => (JSON.parse(line) as EventLine).type)).toEqual(['group.member_added']);

    await services.users.delete('erin');
    const deleted = await runCli(['audit', '--user', erin.id, '--json', '--limit', '2'], env);
    expect(deleted.stdout.trim().split('\n').map((line) => (JSON.parse(line) as EventLine).type)).toEqual(['user.deleted', 'password.reset_required']);

    const human = await runCli(['audit', '--user', erin.id, '--outcome', 'success'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ID\s+TIME\s+TYPE\s+OUTCOME\s+ACTOR\s+SUBJECT\s+CLIENT\s+ADDRESS\s+DETAILS\n/);
    expect(human.stdout).toContain('group.member_added');
    expect(human.stdout).toContain('group=staff');

    const none = await runCli(['audit', '--user', erin.id, '--since', '2999-01-01'], env);
    expect(none.stdout).toBe('(none)\n');

    const bad = await runCli(['audit', '--since', 'yesterday'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since "yesterday" is not a time: use a duration back from now (90s, 30m, 1h, 2d, 2w) or an ISO 8601 time');
    const badType = await runCli(['audit', '--type', 'sign-in'], env);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toContain('--type "sign-in" is not an event type');
    const unknownUser = await runCli(['audit', '--user', 'nobody-here'], env);
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain('no user "nobody-here"');
  });

  it('latchkey audit --follow prints the events committed after it started as JSON lines, filtered, and ends cleanly on SIGINT and SIGTERM', async () => {
    const follower = new Follower(['--type', 'group.created'], env);
    // The follower starts at the newest event once connected: keep committing until one reaches it.
    const made: string[] = [];
    const first = (async () => {
      for (let i = 0; i < 60 && follower.lines.length === 0; i += 1) {
        made.push(`follow-${i}`);
        await services.groups.create({ name: `follow-${i}` });
        await services.users.requireReset('alice');
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const seen = await follower.waitFor(() => true);
    await first;
    expect(made).toContain(seen.details.group);
    expect(seen).toMatchObject({ type: 'group.created', outcome: 'success', actor: { type: 'system', id: null }, subject: null });
    await services.groups.create({ name: 'follow-last' });
    await follower.waitFor((line) => line.details.group === 'follow-last');
    // Only the type asked for; each event once, in commit order.
    expect(follower.lines.every((line) => line.type === 'group.created')).toBe(true);
    const ids = follower.lines.map((line) => line.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await follower.stop('SIGINT')).toBe(0);

    const resumed = new Follower(['--after', String(seen.id), '--type', 'group.created'], env);
    await resumed.waitFor((line) => line.details.group === 'follow-last');
    expect(resumed.lines[0]!.id).toBeGreaterThan(seen.id);
    expect(await resumed.stop('SIGTERM')).toBe(0);
  });

  it('latchkey audit --follow delivers exactly once an event whose transaction took its id before a later event but committed after it', async () => {
    const start = await services.audit.latestId();
    const follower = new Follower(['--after', String(start)], env);
    const db = ctx.server.db;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let held: Promise<void>;
    if (currentBackend() === 'postgres') {
      // A real transaction holds its id (taken at insert) uncommitted while a later event commits.
      let taken!: () => void;
      const idTaken = new Promise<void>((resolve) => { taken = resolve; });
      held = db.transaction(async (tx) => {
        await recordAudit(tx, { type: 'group.created', details: { group: 'slow' } });
        taken();
        await gate;
      });
      await idTaken;
    } else {
      // The embedded database runs one transaction at a time, so it cannot interleave commits; the follower
      // sees the same thing when an id is taken now and its row appears after a later one.
      const { rows } = await db.query<{ id: number }>("SELECT nextval('audit_events_id_seq')::int AS id");
      held = gate.then(async () => {
        await db.query(`INSERT INTO audit_events (id, type, actor_type, details) VALUES ($1, 'group.created', 'system', '{"group":"slow"}'::jsonb)`, [rows[0]!.id]);
      });
    }
    await services.groups.create({ name: 'quick' });
    await follower.waitFor((line) => line.details.group === 'quick');
    release();
    await held;
    const slow = await follower.waitFor((line) => line.details.group === 'slow');
    const quick = follower.lines.find((line) => line.details.group === 'quick')!;
    expect(slow.id).toBeLessThan(quick.id);
    // Polls go on past both (a later event arrives): neither event comes again.
    await services.groups.create({ name: 'later' });
    await follower.waitFor((line) => line.details.group === 'later');
    expect(follower.lines.filter((line) => line.details.group === 'slow' || line.details.group === 'quick')).toHaveLength(2);
    expect(await follower.stop()).toBe(0);
  });
});
