/** A place in the configuration file as people read it: `clients.web.redirectUris[0]`, `clients["my.app"].name`. */
export function formatConfigPath(parts: readonly PropertyKey[]): string {
  let path = '';
  for (const part of parts) {
    if (typeof part === 'number') path += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(part))) path += path ? `.${String(part)}` : String(part);
    else path += `[${JSON.stringify(String(part))}]`;
  }
  return path || '(file)';
}
