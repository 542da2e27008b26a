import type { UserRow } from '../../directory/repositories/user.repository.js';
import { canonicalJson } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import type { DesiredUser } from '../desired-state.js';
import type { PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

/** How many users one page of the export reads. */
const PAGE = 500;

async function findByEmail(services: DeclarativeServices, email: string): Promise<UserRow | undefined> {
  return (await services.userSearch.search({ email, limit: 1 }))[0];
}

/**
 * Seed users, matched by e-mail address. One Latchkey lacks is created (confirmed, with the password from its
 * environment variable, checked against the pool's policy); one it has keeps its profile and password, which
 * belong to the person from then on: only its group memberships follow the file, when the entry lists them.
 * Users are never removed, pruning or not: most users are people who signed themselves up, and a file that
 * seeds a few must not delete everyone else (nor their identities, passkeys and audit trail).
 */
export async function planUsers(ctx: PlanContext, desired: readonly DesiredUser[]): Promise<PlannedStep[]> {
  const { users, groups } = ctx.services;
  const steps: PlannedStep[] = [];
  for (const user of desired) {
    const key = user.email;
    const existing = await findByEmail(ctx.services, user.email);
    if (!existing) {
      steps.push({
        section: 'users', key, action: 'add', fields: [],
        run: async () => {
          await users.create({
            email: user.email, username: user.username, password: user.password ?? undefined, emailVerified: user.verified, status: 'confirmed',
            groups: user.groups ?? [],
            profile: { ...(user.name ? { name: user.name } : {}), ...(user.givenName ? { given_name: user.givenName } : {}), ...(user.familyName ? { family_name: user.familyName } : {}) },
          });
        },
      });
      continue;
    }
    const wanted = user.groups;
    const held = await groups.namesOf(existing.id);
    if (wanted === undefined || canonicalJson([...new Set(wanted)].sort()) === canonicalJson([...held].sort())) {
      steps.push({ section: 'users', key, action: 'unchanged', fields: [] });
      continue;
    }
    steps.push({
      section: 'users', key, action: 'change', fields: ['groups'],
      run: async () => {
        for (const name of held) if (!wanted.includes(name)) await groups.removeUser(name, existing.id);
        for (const name of new Set(wanted)) if (!held.includes(name)) await groups.addUser(name, existing.id);
      },
    });
  }
  return steps;
}

/** Every user with an e-mail address, in creation order, as seed users (never a password; its hash stays in Latchkey). */
export async function exportUsers(services: DeclarativeServices): Promise<Omit<DesiredUser, 'password'>[]> {
  const exported: Omit<DesiredUser, 'password'>[] = [];
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await services.userSearch.search({ limit: PAGE, after });
    for (const user of page) {
      if (!user.email) continue; // a seed user is identified by its address
      const text = (claim: string) => (typeof user.profile[claim] === 'string' ? user.profile[claim] : undefined);
      const name = text('name');
      const givenName = text('given_name');
      const familyName = text('family_name');
      exported.push({
        email: user.email, ...(user.username ? { username: user.username } : {}), ...(name ? { name } : {}),
        ...(givenName ? { givenName } : {}), ...(familyName ? { familyName } : {}),
        groups: await services.groups.namesOf(user.id), verified: user.email_verified,
      });
    }
    if (page.length < PAGE) return exported;
    const last = page[page.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
  }
}
