import { describe, expect, it } from 'vitest';
import { interleavedSchedule } from '../../bench/scenarios/interleaving.js';

const figure = (scenario: string, target: string) => ({ scenario, target });
const order = (schedule: ReturnType<typeof interleavedSchedule>) => schedule.map(({ figure: f, run }) => `${f.scenario}:${f.target}:${run}`);

describe('the benchmark measures the targets of a scenario in alternating runs', () => {
  it('makes every target\'s run r before any target\'s run r + 1, the first target moving one place each round', () => {
    const schedule = interleavedSchedule([figure('refresh', 'latchkey'), figure('refresh', 'bare'), figure('refresh', 'hydra')], 3);
    expect(order(schedule)).toEqual([
      'refresh:latchkey:0', 'refresh:bare:0', 'refresh:hydra:0',
      'refresh:bare:1', 'refresh:hydra:1', 'refresh:latchkey:1',
      'refresh:hydra:2', 'refresh:latchkey:2', 'refresh:bare:2',
    ]);
  });

  it('finishes one scenario before the next, in the order scenarios were first queued, and keeps each target\'s own order', () => {
    // Queued target by target, as the benchmark does: the bare library's reads before its refreshes.
    const schedule = interleavedSchedule([
      figure('userinfo', 'latchkey'), figure('refresh', 'latchkey'), figure('sign-in', 'latchkey'),
      figure('userinfo', 'bare'), figure('refresh', 'bare'),
      figure('sign-in', 'argon2id'),
    ], 2);
    expect(order(schedule)).toEqual([
      'userinfo:latchkey:0', 'userinfo:bare:0', 'userinfo:bare:1', 'userinfo:latchkey:1',
      'refresh:latchkey:0', 'refresh:bare:0', 'refresh:bare:1', 'refresh:latchkey:1',
      'sign-in:latchkey:0', 'sign-in:argon2id:0', 'sign-in:argon2id:1', 'sign-in:latchkey:1',
    ]);
    for (const target of ['latchkey', 'bare']) {
      const scenarios = schedule.filter(({ figure: f }) => f.target === target).map(({ figure: f }) => f.scenario);
      expect(scenarios.indexOf('refresh')).toBeGreaterThan(scenarios.lastIndexOf('userinfo'));
    }
  });

  it('schedules each figure exactly `runs` times', () => {
    const figures = [figure('a', 'x'), figure('b', 'x'), figure('a', 'y')];
    const schedule = interleavedSchedule(figures, 3);
    for (const f of figures) expect(schedule.filter((s) => s.figure === f).map((s) => s.run)).toEqual([0, 1, 2]);
  });

  it('refuses a target whose order of scenarios the schedule would break', () => {
    expect(() => interleavedSchedule([figure('userinfo', 'latchkey'), figure('refresh', 'latchkey'), figure('refresh', 'bare'), figure('userinfo', 'bare')], 1))
      .toThrow('bare queued userinfo after refresh, but another target queued them the other way round');
  });

  it('refuses a scenario queued twice for one target, and a run count that is not a whole number from 1', () => {
    expect(() => interleavedSchedule([figure('refresh', 'latchkey'), figure('refresh', 'latchkey')], 1)).toThrow('refresh is queued twice for latchkey');
    expect(() => interleavedSchedule([figure('refresh', 'latchkey')], 0)).toThrow('whole number of runs');
  });
});
