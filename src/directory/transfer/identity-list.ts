import { RowRejection, type TransferIdentity } from './transfer-user.js';

/**
 * The `latchkey:identities` cell: entries separated by `;`, each `provider:subject`, or
 * `provider:subject|issuer` when the identity's issuer is not the provider's own (Entra's tenants). In
 * subject and issuer, `%`, `;` and `|` are written `%25`, `%3B` and `%7C`; nothing else is escaped.
 */
const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', ';': '%3B', '|': '%7C' };
const UNESCAPES: Readonly<Record<string, string>> = { '%25': '%', '%3B': ';', '%7C': '|' };

const escape = (text: string) => text.replace(/[%;|]/g, (c) => ESCAPES[c]!);
const unescape = (text: string) => text.replace(/%(25|3B|7C)/gi, (code) => UNESCAPES[code.toUpperCase()]!);

/** Writes identities as one cell. */
export function formatIdentityList(identities: readonly TransferIdentity[]): string {
  return identities.map((i) => `${i.provider}:${escape(i.subject)}${i.issuer ? `|${escape(i.issuer)}` : ''}`).join(';');
}

/** Reads one cell; an empty cell is no identity. Throws RowRejection for an entry without provider or subject. */
export function parseIdentityList(cell: string): TransferIdentity[] {
  const identities: TransferIdentity[] = [];
  for (const entry of cell.split(';').map((part) => part.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    if (colon < 1 || colon === entry.length - 1) throw new RowRejection(`latchkey:identities: "${entry.slice(0, 64)}" is not provider:subject`);
    const [subject, issuer, extra] = entry.slice(colon + 1).split('|');
    if (extra !== undefined || issuer === '') throw new RowRejection(`latchkey:identities: "${entry.slice(0, 64)}" has a malformed issuer`);
    identities.push({ provider: entry.slice(0, colon), subject: unescape(subject!), ...(issuer !== undefined ? { issuer: unescape(issuer) } : {}) });
  }
  return identities;
}
