import { describe, expect, it } from 'vitest';
import { generateClientId } from '../../src/oidc/client-service.js';
import { clientIdProblem } from '../../src/oidc/client-validation.js';

describe('generated client ids', () => {
  it('are 26 lower-case letters and digits, never an option on a command line, valid and distinct', () => {
    const ids = Array.from({ length: 2000 }, generateClientId);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9]{26}$/);
      expect(clientIdProblem(id)).toBeUndefined();
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Every character of the alphabet turns up, the first position included (no bias left out a letter).
    expect(new Set(ids.join('')).size).toBe(36);
    expect(new Set(ids.map((id) => id[0])).size).toBe(36);
  });
});
