import { PgBoss } from 'pg-boss';
import PgBoss10 from 'pg-boss-10';
import { describe, expect, it } from 'vitest';
import { QueuetelConfigError } from '@queuetel/core';
import { instrumentPgBoss, type PgBossLike } from '@queuetel/pg-boss';

// Constructing PgBoss opens no connection, so these need no database.
const url = 'postgres://nobody@127.0.0.1:1/none';
const methodOf = (boss: object, name: string): unknown => Reflect.get(boss, name);

describe('instrumentPgBoss', () => {
  it('refuses things that are not a PgBoss instance, naming the argument', () => {
    expect(() => instrumentPgBoss({} as PgBossLike)).toThrow(QueuetelConfigError);
    expect(() => instrumentPgBoss(null as unknown as PgBossLike)).toThrow(
      "option 'boss' must be a PgBoss instance",
    );
  });

  it('checks its own option and the shared ones at construction', () => {
    const boss = new PgBoss(url);
    expect(() => instrumentPgBoss(boss, { builtInTelemetry: 'yes' as unknown as boolean })).toThrow(
      "option 'builtInTelemetry' must be true or false",
    );
    expect(() => instrumentPgBoss(boss, { labels: { 'bad key': { from: 'data.x' } } })).toThrow(
      "'labels.bad key'",
    );
  });

  it('expects built-in telemetry on pg-boss 12.38 and not on 10.x', () => {
    expect(instrumentPgBoss(new PgBoss(url)).builtInTelemetry).toBe(true);
    expect(instrumentPgBoss(new PgBoss10(url)).builtInTelemetry).toBe(false);
    expect(instrumentPgBoss(new PgBoss(url), { builtInTelemetry: false }).builtInTelemetry).toBe(false);
  });

  it('wraps the producer calls, to stamp eligibility only when pg-boss makes the send spans', async () => {
    const withBuiltIn = new PgBoss(url);
    const sent: unknown[][] = [];
    const stub = (...args: unknown[]) => Promise.resolve(sent.push(args));
    Object.defineProperty(withBuiltIn, 'send', { value: stub, configurable: true, writable: true });
    const stamped = instrumentPgBoss(withBuiltIn);
    const before = Date.now();
    await withBuiltIn.send('q', { a: 1 }, { startAfter: 60 });
    const [name, data] = sent[0]!;
    expect(name).toBe('q');
    const stamp = Number((data as { __queuetel: Record<string, string> }).__queuetel['queuetel-eligible-at']);
    expect(stamp).toBeGreaterThanOrEqual(before + 60_000);
    expect(Object.keys((data as { __queuetel: object }).__queuetel)).toEqual(['queuetel-eligible-at']);
    expect(methodOf(withBuiltIn, 'work')).not.toBe(Reflect.get(PgBoss.prototype, 'work'));
    stamped.uninstrument();
    expect(methodOf(withBuiltIn, 'send')).toBe(stub);

    const without = new PgBoss10(url);
    const original = methodOf(without, 'send');
    const instrumentation = instrumentPgBoss(without);
    expect(methodOf(without, 'send')).not.toBe(original);
    instrumentation.uninstrument();
    expect(methodOf(without, 'send')).toBe(original);
  });

  it('refuses to instrument the same instance twice, until the first is undone', () => {
    const boss = new PgBoss(url);
    const first = instrumentPgBoss(boss);
    expect(() => instrumentPgBoss(boss)).toThrow('already instrumented');
    first.uninstrument();
    expect(() => instrumentPgBoss(boss)).not.toThrow();
  });
});
