import type { FederationConfig } from '../../config/federation-config.js';
import type { Clock } from '../../lib/clock.js';
import type { UpstreamPolicy } from '../upstream-policy.js';
import { applePolicy } from './apple.js';
import { googlePolicy } from './google.js';
import { microsoftPolicy } from './microsoft.js';

/** An upstream configured by the environment, ready for discovery by the federation flow. */
export interface ConfiguredUpstream {
  /** The provider's name in Latchkey: the button id (`a#federation-<name>`) and callback path segment. */
  readonly name: 'google' | 'microsoft' | 'apple';
  readonly displayName: string;
  /** Where discovery starts (`<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly clientId: string;
  readonly policy: UpstreamPolicy;
}

/**
 * The environment-configured upstreams with their policies, in a fixed order (Google, Microsoft, Apple),
 * skipping those not configured. Called once at start-up: Apple's policy keeps its signed client secret
 * between sign-ins.
 */
export function configuredUpstreams(config: FederationConfig, deps: { clock: Clock }): readonly ConfiguredUpstream[] {
  const upstreams: ConfiguredUpstream[] = [];
  if (config.google) {
    upstreams.push({ name: 'google', displayName: 'Google', issuer: config.google.issuer, clientId: config.google.clientId, policy: googlePolicy(config.google) });
  }
  if (config.microsoft) {
    upstreams.push({ name: 'microsoft', displayName: 'Microsoft', issuer: config.microsoft.issuer, clientId: config.microsoft.clientId, policy: microsoftPolicy(config.microsoft) });
  }
  if (config.apple) {
    upstreams.push({ name: 'apple', displayName: 'Apple', issuer: config.apple.issuer, clientId: config.apple.clientId, policy: applePolicy(config.apple, deps) });
  }
  return Object.freeze(upstreams.map((upstream) => Object.freeze(upstream)));
}
