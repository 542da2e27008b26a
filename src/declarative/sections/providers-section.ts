import type { PresentedGroupRule } from '../../federation/group-mapping.js';
import type { ProviderChanges } from '../../federation/provider-types.js';
import { changedFields, normalizeScope } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import type { DesiredProvider } from '../desired-state.js';
import { planKeyedSection, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

const FIELDS = ['issuer', 'clientId', 'scope', 'displayName', 'trustEmail'] as const;

interface CurrentProvider extends Omit<DesiredProvider, 'clientSecret' | 'groupRules'> {
  hasClientSecret: boolean;
  rules: PresentedGroupRule[];
}

const ruleKey = (rule: { claim: string; value: string; group: string }) => JSON.stringify([rule.claim, rule.value, rule.group]);

async function currentProviders(services: DeclarativeServices): Promise<Map<string, CurrentProvider>> {
  const rules = await services.groupMapping.listRules();
  return new Map((await services.providers.list()).map((p) => [p.name, {
    issuer: p.issuer, clientId: p.client_id, scope: p.scopes, displayName: p.display_name, trustEmail: p.trusts_email_verification,
    hasClientSecret: p.has_client_secret, rules: rules.filter((rule) => rule.provider === p.name),
  }]));
}

/**
 * Generic upstream providers and their group rules, through the provider registry and the group mapping. A
 * client secret is compared by opening the stored, sealed one: a different value is stored in its place. The
 * rules are the provider's whole list: missing ones are added, others removed. Pruning removes the provider
 * (its identities stay, and so do its rules, for a later re-add, as `provider remove` does).
 */
export async function planProviders(ctx: PlanContext, desired: Readonly<Record<string, DesiredProvider>>): Promise<PlannedStep[]> {
  const { providers, groupMapping } = ctx.services;
  const addRules = async (name: string, rules: DesiredProvider['groupRules']) => {
    const added = new Set<string>();
    for (const rule of rules) {
      if (added.has(ruleKey(rule))) continue; // the same rule twice in the file is one rule
      added.add(ruleKey(rule));
      await groupMapping.addRule({ provider: name, ...rule });
    }
  };
  return planKeyedSection({
    section: 'providers', desired, current: await currentProviders(ctx.services), prune: ctx.prune,
    async changes(name, wanted, current) {
      const settings = (p: Pick<CurrentProvider, (typeof FIELDS)[number]>) => ({ issuer: p.issuer, clientId: p.clientId, scope: normalizeScope(p.scope), displayName: p.displayName, trustEmail: p.trustEmail });
      const fields = changedFields(settings(wanted), settings(current), FIELDS);
      const secretChanged = wanted.clientSecret === null ? current.hasClientSecret : !(await providers.clientSecretMatches(name, wanted.clientSecret));
      const wantedRules = new Set(wanted.groupRules.map(ruleKey));
      const rulesChanged = wantedRules.size !== current.rules.length || current.rules.some((rule) => !wantedRules.has(ruleKey(rule)));
      return [...fields, ...(secretChanged ? ['clientSecret'] : []), ...(rulesChanged ? ['groupRules'] : [])];
    },
    async add(name, p) {
      await providers.add({ name, issuer: p.issuer, clientId: p.clientId, clientSecret: p.clientSecret ?? undefined, scope: p.scope, displayName: p.displayName, trustEmail: p.trustEmail });
      await addRules(name, p.groupRules);
    },
    async change(name, p, current, fields) {
      const changes: ProviderChanges = {
        ...(fields.includes('issuer') ? { issuer: p.issuer } : {}),
        ...(fields.includes('clientId') ? { clientId: p.clientId } : {}),
        ...(fields.includes('clientSecret') ? { clientSecret: p.clientSecret } : {}),
        ...(fields.includes('scope') ? { scope: p.scope } : {}),
        ...(fields.includes('displayName') ? { displayName: p.displayName } : {}),
        ...(fields.includes('trustEmail') ? { trustEmail: p.trustEmail } : {}),
      };
      if (Object.keys(changes).length > 0) await providers.update(name, changes);
      if (!fields.includes('groupRules')) return;
      const wanted = new Set(p.groupRules.map(ruleKey));
      const held = new Set(current.rules.map(ruleKey));
      for (const rule of current.rules) if (!wanted.has(ruleKey(rule))) await groupMapping.removeRule(rule.id, { provider: name });
      await addRules(name, p.groupRules.filter((rule) => !held.has(ruleKey(rule))));
    },
    async remove(name) {
      await providers.remove(name);
    },
  });
}

/** Providers as a file declares them: a stored client secret becomes a reference to `secretVariable(name)`. */
export async function exportProviders(services: DeclarativeServices, secretVariable: (name: string) => string) {
  return Object.fromEntries([...await currentProviders(services)].map(([name, p]) => [name, {
    issuer: p.issuer, clientId: p.clientId, ...(p.hasClientSecret ? { clientSecret: { env: secretVariable(name) } } : {}),
    scope: p.scope, displayName: p.displayName, trustEmail: p.trustEmail,
    groupRules: p.rules.map((rule) => ({ claim: rule.claim, value: rule.value, group: rule.group })),
  }]));
}
