/**
 * oidc-provider 9's own grant helpers, which its built-in grants use to issue tokens (lib/helpers/grants.js,
 * lib/helpers/grant_common.js). The package has no `exports` map, so the modules are importable; these are
 * the few signatures Latchkey's in-process sign-in grant relies on (oidc/sign-in-grant.ts).
 */
declare module 'oidc-provider/lib/helpers/grants.js' {
  import type Provider from 'oidc-provider';
  type Helper = (provider: Provider, ...args: never[]) => unknown;
  export const resolveAndApplyResource: Helper;
  export const applyAuthorizationDetails: Helper;
  export const buildTokenResponse: Helper;
}

declare module 'oidc-provider/lib/helpers/grant_common.js' {
  import type Provider from 'oidc-provider';
  import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
  export function issueTokens(
    provider: Provider,
    helpers: Record<string, unknown>,
    ctx: KoaContextWithOIDC,
    source: unknown,
    grant: Grant,
    options: { gty: string; entityLabel: string; cert?: undefined; dPoP?: undefined },
  ): Promise<void>;
}
