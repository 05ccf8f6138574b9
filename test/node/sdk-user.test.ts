import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { makeSdkUserProject, type SdkUserProject } from '../harness/sdk-user.js';

/**
 * A user's own NodeSDK with PgBossInstrumentation in its `instrumentations`, in an application of
 * its own (test/node/fixtures/sdk-user): pg-boss 10 required from CommonJS, pg-boss 12 imported
 * from ESM through the `--import` registration. Each records the same spans and metrics as the same
 * application calling instrumentPgBoss() itself, and the user's SDK outlives queuetel's shutdown().
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
