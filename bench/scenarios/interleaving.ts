/** What the schedule needs to know of a queued figure: its scenario and who serves it. */
export interface Schedulable {
  scenario: string;
  target: string;
}

/** One run of the schedule: the figure, and which of its runs this is (0-based). */
export interface ScheduledRun<T extends Schedulable> {
  figure: T;
  run: number;
}

/**
 * The order in which queued throughput figures are measured, so that a ratio compares figures taken minutes
 * apart no more than the run itself lasts. Measured one target after the other, each over three runs, a
 * reference and Latchkey were several minutes apart, and this machine's speed drifts over minutes: client
 * credentials measured 1.20 of the bare library in one run and 0.67 in another 27 minutes later, same code.
 *
 * Scenario by scenario, in the order first queued; within a scenario, round by round, every target's run r
 * before any target's run r + 1, the first target moving one place each round so that none is always measured
 * first (right after another target's load) or last. Each target's own order of scenarios is kept: a target
 * may depend on it (the bare library's memory adapter keeps its last 1,000 entries, so its reads must come
 * before its refreshes). A target whose order the scenario order would break is refused, as is a scenario
 * queued twice for one target.
 */
export function interleavedSchedule<T extends Schedulable>(figures: readonly T[], runs: number): ScheduledRun<T>[] {
  if (!Number.isInteger(runs) || runs < 1) throw new Error('interleavedSchedule needs a whole number of runs >= 1');
  const scenarios = new Map<string, T[]>();
  for (const figure of figures) {
    const group = scenarios.get(figure.scenario) ?? [];
    if (group.some((queued) => queued.target === figure.target)) throw new Error(`${figure.scenario} is queued twice for ${figure.target}`);
    group.push(figure);
    scenarios.set(figure.scenario, group);
  }
  assertTargetOrdersKept(figures, [...scenarios.keys()]);

  const schedule: ScheduledRun<T>[] = [];
  for (const group of scenarios.values()) {
    for (let run = 0; run < runs; run += 1) {
      for (let place = 0; place < group.length; place += 1) schedule.push({ figure: group[(place + run) % group.length]!, run });
    }
  }
  return schedule;
}

function assertTargetOrdersKept(figures: readonly Schedulable[], scenarioOrder: readonly string[]): void {
  const lastPlace = new Map<string, { scenario: string; place: number }>();
  for (const figure of figures) {
    const place = scenarioOrder.indexOf(figure.scenario);
    const previous = lastPlace.get(figure.target);
    if (previous && previous.place > place) {
      throw new Error(`${figure.target} queued ${figure.scenario} after ${previous.scenario}, but another target queued them the other way round`);
    }
    lastPlace.set(figure.target, { scenario: figure.scenario, place });
  }
}
