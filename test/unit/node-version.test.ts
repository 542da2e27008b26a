import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript that runs before anything else loads (bin/), without type declarations
import { nodeVersionProblem } from '../../bin/node-version.js';

const problem = nodeVersionProblem as (version: string) => string | null;

describe('the Node.js version check of npm start and npx latchkey', () => {
  it('refuses Node.js before 22.12 with one line saying which version runs and how to get a supported one', () => {
    for (const version of ['20.20.2', '22.11.0', '18.19.1']) {
      const line = problem(version);
      expect(line).toContain(`Node.js ${version} is not supported`);
      expect(line).toContain('scripts/ensure-node.sh');
      expect(line).not.toContain('\n');
    }
  });

  it('accepts 22.12 and later', () => {
    for (const version of ['22.12.0', '23.0.0', '24.21.0', '26.1.0']) expect(problem(version)).toBeNull();
  });
});
