import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createPgmqDatabase } from '../harness/pgmq.js';
import { makeSdkUserProject, type SdkUserProject } from '../harness/sdk-user.js';

/**
 * A user's own NodeSDK with PgBossInstrumentation in its `instrumentations`, in an application of
 * its own (test/node/fixtures/sdk-user): pg-boss 10 required from CommonJS, pg-boss 12 imported
 * from ESM through the `--import` registration. Each records the same spans and metrics as the same
 * application calling instrumentPgBoss() itself, and the user's SDK outlives queuetel's shutdown().
 * Likewise a pgmq worker with PgmqInstrumentation, against a client given the same options.
 * Runs the built packages: `npm run build` first (`npm test` does).
 */

interface Summary {
  spans: string[];
  metrics: string[];
  afterQueuetelShutdown?: string[];
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('sdkuser');
});
afterAll(async () => {
  await db?.drop();
});

describe.each([
  { pgBoss: '10', command: 'cjs', scope: '@queuetel/pg-boss' },
  { pgBoss: '12', command: 'esm', scope: 'pg-boss' },
] as const)('pg-boss $pgBoss loaded through $command', ({ pgBoss, command, scope }) => {
  let project: SdkUserProject;
  beforeAll(() => {
    project = makeSdkUserProject(pgBoss);
  });
  afterAll(() => project?.remove());

  const run = async (env: Record<string, string>): Promise<Summary> =>
    (await project.run(command, { DATABASE_URL: db.url, SCHEMA: `boss${pgBoss}`, ...env }))
      .result as unknown as Summary;

  it('records with PgBossInstrumentation what instrumentPgBoss() records', async () => {
    const explicit = await run({ MODE: 'explicit' });
    const hooked = await run({ MODE: 'class' });
    expect(hooked.spans).toEqual(explicit.spans);
    expect(hooked.metrics).toEqual(explicit.metrics);
    // Not two empty lists: the process spans carry queuetel's attributes, the job metrics their outcomes.
    expect(hooked.spans.filter((s) => s.startsWith(`${scope} | process sdk-user-jobs`))).toHaveLength(2);
    expect(hooked.spans.some((s) => s.includes('queuetel.job.attempt'))).toBe(true);
    expect(hooked.metrics).toContain(
      'queuetel.job.outcomes {"messaging.destination.name":"sdk-user-jobs","messaging.system":"pg-boss","queuetel.job.outcome":"completed"} = 1',
    );
    expect(hooked.metrics.some((m) => m.startsWith('queuetel.job.outcomes') && m.includes('"failed"'))).toBe(
      true,
    );
  });

  it("takes queuetel's metric producer and views from queuetelMetrics(), and the user's SDK survives queuetel's shutdown", async () => {
    const explicit = await run({ MODE: 'explicit', QUEUETEL_METRICS: '1' });
    const hooked = await run({ MODE: 'class', QUEUETEL_METRICS: '1', SHUTDOWN_QUEUETEL: '1' });
    expect(hooked.metrics).toEqual(explicit.metrics);
    expect(hooked.metrics.some((m) => m.startsWith('queuetel.job.duration'))).toBe(true);
    expect(hooked.afterQueuetelShutdown).toEqual(['still here']);
  });
});

describe('a pgmq worker with PgmqInstrumentation', () => {
  let project: SdkUserProject;
  let pgmqDb: TestDatabase;
  beforeAll(async () => {
    project = makeSdkUserProject('12');
    pgmqDb = await createPgmqDatabase('sdkuserpgmq');
  });
  afterAll(async () => {
    project?.remove();
    await pgmqDb?.drop();
  });

  const run = async (env: Record<string, string>): Promise<Summary> => {
    const result = await project.launch(['--import', './telemetry.mjs', 'pgmq-app.mjs'], {
      DATABASE_URL: pgmqDb.url,
      ...env,
    });
    // Each run starts on an empty queue.
    await dropQueue(pgmqDb.url, 'sdk_user_messages');
    return result.result as unknown as Summary;
  };

  it('records what a client given the same options records, and the user SDK survives queuetel', async () => {
    const explicit = await run({ MODE: 'explicit' });
    const hooked = await run({ MODE: 'class', SHUTDOWN_QUEUETEL: '1' });
    expect(hooked.spans).toEqual(explicit.spans);
    expect(hooked.metrics).toEqual(explicit.metrics);
    expect(
      hooked.spans.filter((s) => s.startsWith('@queuetel/pgmq | process sdk_user_messages')),
    ).toHaveLength(2);
    // The instrumentation's own options reached the client: its label is on the duration, whose
    // count is the attempts by label.
    expect(hooked.metrics).toContain(
      'queuetel.job.duration {"messaging.destination.name":"sdk_user_messages","messaging.system":"pgmq","queuetel.job.outcome":"completed","tenant":"acme"} = 1',
    );
    expect(hooked.afterQueuetelShutdown).toEqual(['still here']);
  });
});

async function dropQueue(url: string, queue: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pgmq.drop_queue($1)', [queue]);
  } finally {
    await client.end();
  }
}
