import { describe, expect, it } from 'vitest';
import { createStatementNames } from '../../src/db/statement-names.js';

const resultTypeChanged = Object.assign(new Error('cached plan must not change result type'), { code: '0A000' });

describe('statement names', () => {
  it('names a parameterized text by its hash, the same name each time and in every instance', () => {
    const a = createStatementNames();
    const b = createStatementNames();
    const name = a.nameFor('SELECT $1::int', [1]);
    expect(name).toMatch(/^lk_[0-9a-f]{20}$/);
    expect(a.nameFor('SELECT $1::int', [2])).toBe(name);
    expect(b.nameFor('SELECT $1::int', [3])).toBe(name);
    expect(a.nameFor('SELECT $1::text', ['x'])).not.toBe(name);
  });

  it('leaves a text without parameters unnamed, so a multi-statement text never reaches the extended protocol', () => {
    expect(createStatementNames().nameFor('CREATE TABLE a (x int); CREATE TABLE b (y int)', [])).toBeUndefined();
  });

  it('names at most `limit` texts and keeps naming the ones it named', () => {
    const names = createStatementNames({ limit: 2 });
    const first = names.nameFor('SELECT $1::int AS a', [1]);
    expect(names.nameFor('SELECT $1::int AS b', [1])).toBeDefined();
    expect(names.nameFor('SELECT $1::int AS c', [1])).toBeUndefined();
    expect(names.nameFor('SELECT $1::int AS a', [1])).toBe(first);
  });

  it('stops naming a text whose prepared plan Postgres refused after a schema change, and only for that error', () => {
    const names = createStatementNames();
    const text = 'SELECT * FROM t WHERE a = $1';
    expect(names.nameFor(text, [1])).toBeDefined();
    expect(names.refusedPlan(text, Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(names.refusedPlan(text, Object.assign(new Error('feature not supported'), { code: '0A000' }))).toBe(false);
    expect(names.nameFor(text, [1])).toBeDefined();
    expect(names.refusedPlan(text, resultTypeChanged)).toBe(true);
    expect(names.nameFor(text, [1])).toBeUndefined();
  });
});

describe('plan renewal', () => {
  it('has each connection discard its plans every replanAfterMs, counting from its first statement', () => {
    let clock = 0;
    const names = createStatementNames({ replanAfterMs: 10_000, now: () => clock });
    const first = {};
    const second = {};
    expect(names.replanDue(first)).toBe(false); // a new connection has no plans
    clock = 9_999;
    expect(names.replanDue(first)).toBe(false);
    expect(names.replanDue(second)).toBe(false);
    clock = 10_000;
    expect(names.replanDue(first)).toBe(true);
    expect(names.replanDue(first)).toBe(false);
    clock = 19_999;
    expect(names.replanDue(second)).toBe(true);
    clock = 20_000;
    expect(names.replanDue(first)).toBe(true);
  });
});
