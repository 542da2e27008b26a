import { stringify } from 'yaml';
import { formatConfigPath } from './config-path.js';
import type { DeclarativeServices } from './declarative-services.js';
import { exportAttributes } from './sections/attributes-section.js';
import { exportBranding } from './sections/branding-sections.js';
import { exportClients } from './sections/clients-section.js';
import { exportGroups } from './sections/groups-section.js';
import { exportProviders } from './sections/providers-section.js';
import { exportRoleMapping } from './sections/role-mapping-section.js';
import { exportRoles } from './sections/roles-section.js';
import { exportSettings } from './sections/settings-sections.js';
import { exportUsers } from './sections/users-section.js';

export type ConfigFormat = 'yaml' | 'json';

/** A secret the exported file refers to: where, and the environment variable that must hold it when applied. */
export interface ExportedSecret {
  path: string;
  env: string;
}

/** An environment variable name from a prefix and an id (upper-case, other characters as `_`), never one used already. */
function variableNamer(): (prefix: string, id: string, suffix: string) => string {
  const taken = new Set<string>();
  return (prefix, id, suffix) => {
    const base = `${prefix}_${id.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_${suffix}`;
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
    taken.add(name);
    return name;
  };
}

/**
 * Latchkey's current state as a configuration file that applies to it unchanged. Secrets are never exported
 * (Latchkey keeps only a client secret's digest, and a provider's sealed): each becomes a reference to an
 * environment variable named after its entry, listed in `secrets` so the operator knows what to set. Users
 * are exported only when asked (as seed users, without passwords); Latchkey's own clients never are.
 */
export async function exportConfig(services: DeclarativeServices, options: { users?: boolean } = {}): Promise<{ document: Record<string, unknown>; secrets: ExportedSecret[] }> {
  const name = variableNamer();
  const secrets: ExportedSecret[] = [];
  const clients = await exportClients(services, (id) => {
    const env = name('LATCHKEY_CLIENT', id, 'SECRET');
    secrets.push({ path: formatConfigPath(['clients', id, 'secret']), env });
    return env;
  });
  const providers = await exportProviders(services, (provider) => {
    const env = name('LATCHKEY_PROVIDER', provider, 'CLIENT_SECRET');
    secrets.push({ path: formatConfigPath(['providers', provider, 'clientSecret']), env });
    return env;
  });
  const document = {
    clients,
    groups: await exportGroups(services),
    roles: await exportRoles(services),
    roleMapping: await exportRoleMapping(services),
    providers,
    attributes: await exportAttributes(services),
    ...await exportSettings(services),
    ...await exportBranding(services),
    ...(options.users ? { users: await exportUsers(services) } : {}),
  };
  return { document, secrets };
}

/** The document as a file: YAML with a header naming the secrets' variables, or JSON. */
export function formatConfig(document: Record<string, unknown>, format: ConfigFormat, secrets: readonly ExportedSecret[] = []): string {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  const header = [
    '# Latchkey configuration (latchkey config export). Apply with: latchkey config apply FILE',
    ...(secrets.length > 0 ? ['# Secrets are read from environment variables when the file is applied:', ...secrets.map((s) => `#   ${s.env} (${s.path})`)] : []),
  ];
  return `${header.join('\n')}\n${stringify(document, { lineWidth: 0 })}`;
}
