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
 * `tracePolling: true` the same idle worker does make pg spans.
 * Runs the built packages: `npm run build` first (`npm test` does).
 */

const IDLE_SECONDS = 60;
/** Long enough for several polls of each worker, with the option on. */
const TRACED_IDLE_SECONDS = 5;

interface IdleRun {
  userQuerySpans: number;
  idle: string[];
}

const WORKERS = [
  { name: 'pg-boss 10 (CommonJS)', pgBoss: '10', args: ['--require', './idle-sdk.cjs', 'idle-pg-boss.cjs'] },
  { name: 'pg-boss 12 (ESM)', pgBoss: '12', args: ['--import', './idle-sdk.mjs', 'idle-pg-boss.mjs'] },
  { name: 'a pgmq consumer', pgBoss: '12', args: ['--import', './idle-sdk.mjs', 'idle-pgmq.mjs'] },
] as const;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('idle');
  await loadPgmqFixture(db.url);
});
afterAll(async () => {
  await db?.drop();
});

describe.concurrent.each(WORKERS)('$name', ({ pgBoss, args }) => {
  let project: SdkUserProject;
  beforeAll(() => {
    project = makeSdkUserProject(pgBoss);
  });
  afterAll(() => project?.remove());

  const idle = async (schema: string, env: Record<string, string>): Promise<IdleRun> =>
    (await project.launch(args, { DATABASE_URL: db.url, SCHEMA: schema, PG_BOSS: pgBoss, ...env }))
      .result as unknown as IdleRun;

  it(
    'makes no span while it polls an empty queue for a minute',
    async () => {
      const run = await idle(`idle${pgBoss}quiet`, { IDLE_SECONDS: String(IDLE_SECONDS) });
      expect(run.userQuerySpans).toBeGreaterThan(0);
      expect(run.idle).toEqual([]);
    },
    IDLE_SECONDS * 1000 + 60_000,
  );

  it('makes pg spans for its polling with tracePolling: true', async () => {
    const run = await idle(`idle${pgBoss}traced`, {
      IDLE_SECONDS: String(TRACED_IDLE_SECONDS),
      TRACE_POLLING: '1',
    });
    expect(run.userQuerySpans).toBeGreaterThan(0);
    expect(
      run.idle.filter((span) => span.startsWith('@opentelemetry/instrumentation-pg |')).length,
    ).toBeGreaterThan(2);
  }, 60_000);
});
