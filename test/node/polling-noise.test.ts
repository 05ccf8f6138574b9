import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { loadPgmqFixture } from '../harness/pgmq.js';
import { makeSdkUserProject, type SdkUserProject } from '../harness/sdk-user.js';

/**
 * An idle worker in a user's NodeSDK with getNodeAutoInstrumentations() on, instrumentation-pg
 * included (test/node/fixtures/sdk-user/idle-*): pg-boss 10 from CommonJS, pg-boss 12 from ESM and a
 * pgmq consumer, each polling an empty queue for a minute with maintenance, LISTEN and heartbeats
 * running, records no span. Each run first shows that instrumentation-pg did patch `pg` (a query of
 * the application's own makes a span), so "no span" cannot pass by the patch missing; and with
 * `tracePolling: true` the same idle worker does make pg spans. A job sent afterwards is traced as
 * ever, and the query its handler runs is a child of its process span.
 * Runs the built packages: `npm run build` first (`npm test` does).
 */

const IDLE_SECONDS = 60;
/** Long enough for several polls of each worker, with the option on. */
const TRACED_IDLE_SECONDS = 5;

interface IdleRun {
  userQuerySpans: number;
  idle: string[];
  /** The span the handler's own query was recorded under, once a job came. */
  handlerQueryParent: string;
}

const WORKERS = [
  {
    name: 'pg-boss 10 (CommonJS)',
    system: 'pgboss10',
    pgBoss: '10',
    args: ['--require', './idle-sdk.cjs', 'idle-pg-boss.cjs'],
  },
  {
    name: 'pg-boss 12 (ESM)',
    system: 'pgboss12',
    pgBoss: '12',
    args: ['--import', './idle-sdk.mjs', 'idle-pg-boss.mjs'],
  },
  {
    name: 'a pgmq consumer',
    system: 'pgmq',
    pgBoss: '12',
    args: ['--import', './idle-sdk.mjs', 'idle-pgmq.mjs'],
  },
] as const;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('idle');
  await loadPgmqFixture(db.url);
});
afterAll(async () => {
  await db?.drop();
});

describe.concurrent.each(WORKERS)('$name', ({ system, pgBoss, args }) => {
  let project: SdkUserProject;
  beforeAll(() => {
    project = makeSdkUserProject(pgBoss);
  });
  afterAll(() => project?.remove());

  // Each run has a queue (and pg-boss schema) of its own: the runs share the database.
  const idle = async (queue: string, env: Record<string, string>): Promise<IdleRun> =>
    (
      await project.launch(args, {
        DATABASE_URL: db.url,
        SCHEMA: queue,
        QUEUE: queue,
        PG_BOSS: pgBoss,
        ...env,
      })
    ).result as unknown as IdleRun;

  it(
    'makes no span while it polls an empty queue for a minute',
    async () => {
      const queue = `idle_${system}_quiet`;
      const run = await idle(queue, { IDLE_SECONDS: String(IDLE_SECONDS) });
      expect(run.userQuerySpans).toBeGreaterThan(0);
      expect(run.idle).toEqual([]);
      // What the handler does is the user's: traced, under the job's process span.
      expect(run.handlerQueryParent).toBe(`process ${queue}`);
    },
    IDLE_SECONDS * 1000 + 60_000,
  );

  it('makes pg spans for its polling with tracePolling: true', async () => {
    const run = await idle(`idle_${system}_traced`, {
      IDLE_SECONDS: String(TRACED_IDLE_SECONDS),
      TRACE_POLLING: '1',
    });
    expect(run.userQuerySpans).toBeGreaterThan(0);
    expect(
      run.idle.filter((span) => span.startsWith('@opentelemetry/instrumentation-pg |')).length,
    ).toBeGreaterThan(2);
  }, 60_000);
});
