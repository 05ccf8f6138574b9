import { PgBoss } from 'pg-boss';
import PgBoss10 from 'pg-boss-10';
import {
  instrumentPgBoss,
  type InstrumentedPgBoss,
  type PgBossInstrumentationOptions,
} from '@queuetel/pg-boss';
import type { TestTelemetry } from './otel.js';

/**
 * The pg-boss set-ups queuetel supports: the newest 10.x (no built-in telemetry), and 12.38 with
 * its built-in telemetry on (queuetel enriches its spans) or off (queuetel makes its own).
 */
export type BossSetup = '10.x' | '12.38 built-in on' | '12.38 built-in off';

export const BOSS_SETUPS: readonly BossSetup[] = ['10.x', '12.38 built-in on', '12.38 built-in off'];

/** Just what the tests call on either major version. */
export interface TestBoss {
  start(): Promise<unknown>;
  stop(options?: object): Promise<unknown>;
  createQueue(name: string, options?: object): Promise<unknown>;
  send(name: string, data?: object | null, options?: object): Promise<string | null>;
  insert(...args: unknown[]): Promise<unknown>;
  work<Job = { id: string; data: unknown }>(
    name: string,
    options: object,
    handler: (jobs: Job[]) => unknown,
  ): Promise<string>;
  getJobById(name: string, id: string, options?: object): Promise<{ state: string } | null>;
  fail(...args: unknown[]): Promise<unknown>;
}

export interface StartedBoss {
  readonly boss: TestBoss;
  /** The schema this set-up's pg-boss tables live in, one per set-up so versions never meet. */
  readonly schema: string;
  readonly instrumentation: InstrumentedPgBoss;
  readonly stop: () => Promise<void>;
}

export async function startBoss(
  setup: BossSetup,
  url: string,
  otel: TestTelemetry,
  options: PgBossInstrumentationOptions = {},
  /** Extra pg-boss constructor options, such as `monitorIntervalSeconds` or another `schema`. */
  bossOptions: Record<string, unknown> = {},
): Promise<StartedBoss> {
  const schema = (bossOptions.schema as string | undefined) ?? `pgboss_${setup.replace(/\W+/g, '_')}`;
  const common = { connectionString: url, schema, schedule: false, max: 4, ...bossOptions };
  let boss: TestBoss;
  if (setup === '10.x') {
    boss = new PgBoss10(common);
  } else {
    boss = new PgBoss({
      ...common,
      openTelemetry:
        setup === '12.38 built-in on'
          ? { propagateContext: true, tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }
          : { enabled: false },
    });
  }
  (boss as unknown as NodeJS.EventEmitter).on('error', () => {});
  const instrumentation = instrumentPgBoss(boss, {
    ...otel.providers,
    ...(setup === '12.38 built-in off' ? { builtInTelemetry: false } : {}),
    ...options,
  });
  await boss.start();
  return {
    boss,
    schema,
    instrumentation,
    stop: async () => {
      await boss.stop({ graceful: false, wait: true, timeout: 2000 });
    },
  };
}

/** Waits until `check` passes, for work that pg-boss finishes on its own schedule. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
