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

  it('wraps the producer calls only when it makes the send spans itself', () => {
    const withBuiltIn = new PgBoss(url);
    const sendBefore = methodOf(withBuiltIn, 'send');
    instrumentPgBoss(withBuiltIn);
    expect(methodOf(withBuiltIn, 'send')).toBe(sendBefore);
    expect(methodOf(withBuiltIn, 'work')).not.toBe(Reflect.get(PgBoss.prototype, 'work'));

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
