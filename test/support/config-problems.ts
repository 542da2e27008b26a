import { ConfigError, loadConfig } from '../../src/config/load-config.js';

/** The problems loadConfig lists for an environment (none when it accepts it). */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.problems];
  }
}
