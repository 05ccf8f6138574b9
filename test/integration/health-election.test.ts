import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueueHealth, type QueueHealth } from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss } from '../harness/pg-boss.js';

let db: TestDatabase;
let schema: string;
beforeAll(async () => {
  db = await createTestDatabase('health_election');
  // A pg-boss 12 schema with a queue and a job, and no pg-boss left running: from here on, only the
  // collectors read its tables.
  const otel = createTestTelemetry('meter');
  const started = await startBoss('12.38 built-in off', db.url, otel);
  schema = started.schema;
  await started.boss.createQueue('work');
  await started.boss.send('work', { n: 1 });
  // A first count for pg-boss's cache, which a monitor pass would otherwise make within a minute.
  await (started.boss as unknown as { getQueueStats(name: string): Promise<unknown> }).getQueueStats('work');
  await started.stop();
  await otel.shutdown();
});
afterAll(async () => {
  await db.drop();
});

/** How often the collectors' statement has read the queue table: each collection reads it once. */
async function queueTableScans(): Promise<number> {
  const [row] = await db.query<{ scans: string }>(
    `SELECT (COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0))::text AS scans
     FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'queue'`,
    [schema],
  );
  return Number(row!.scans);
}

describe('one collector per database', () => {
  it('with three collectors running, exactly one queries per interval', async () => {
    const intervalSeconds = 1;
    const before = await queueTableScans();
    const telemetry = [1, 2, 3].map(() => createTestTelemetry('meter'));
    const startedAt = Date.now();
    const collectors = telemetry.map((otel) =>
      startQueueHealth({
        connectionString: db.url,
        pgBossSchemas: [schema],
        intervalSeconds,
        meterProvider: otel.meterProvider,
      }),
    );
    // Until the leader has collected a few times and every standby has tried the lock as often.
    await eventually(() => {
      const states = collectors.map((collector) => collector.state());
      expect(states.filter((state) => state.collections >= 4)).toHaveLength(1);
      for (const state of states.filter((state) => state.collections === 0)) {
        expect(state.lockAttempts).toBeGreaterThanOrEqual(4);
      }
    });
    const snapshots = await Promise.all(telemetry.map((otel) => otel.collect()));
    await Promise.all(collectors.map((collector) => collector.stop()));
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const states = collectors.map((collector) => collector.state());

    // One leader; the two standbys tried the lock every interval and never read anything.
    const leaders = states.filter((state) => state.collections > 0);
    expect(leaders).toHaveLength(1);
    const standbys = states.filter((state) => state.collections === 0);
    expect(standbys).toHaveLength(2);
    for (const standby of standbys) expect(standby.lockAttempts).toBeGreaterThanOrEqual(4);
    expect(snapshots.map((m) => m.total('queuetel.collector.leader')).sort()).toEqual([0, 0, 1]);
    expect(snapshots.map((m) => m.points('queuetel.queue.jobs').length > 0).sort()).toEqual([
      false,
      false,
      true,
    ]);

    // The database agrees: the queue table was read once per collection the leader made, and the
    // leader collected once per interval (the first at once), never more.
    const { collections } = leaders[0]!;
    await eventually(async () => expect((await queueTableScans()) - before).toBe(collections));
    expect(collections).toBeGreaterThanOrEqual(3);
    expect(collections).toBeLessThanOrEqual(Math.floor(elapsedSeconds / intervalSeconds) + 1);
    await Promise.all(telemetry.map((otel) => otel.shutdown()));
  });

  it('hands over within one interval when the leader is killed', async () => {
    const intervalSeconds = 2;
    const child = spawnCollector(intervalSeconds);
    let standbys: QueueHealth[] = [];
    try {
      await leaderLine(child);
      standbys = [1, 2].map(() =>
        startQueueHealth({ connectionString: db.url, pgBossSchemas: [schema], intervalSeconds }),
      );
      // Both have tried the lock and found it held.
      await eventually(() => {
        for (const standby of standbys) {
          expect(standby.state().lockAttempts).toBeGreaterThanOrEqual(1);
          expect(standby.state().leader).toBe(false);
        }
      });

      const killedAt = Date.now();
      child.kill('SIGKILL');
      await once(child, 'exit');
      const newLeader = await eventually(() => {
        const leading = standbys.filter((standby) => standby.state().leader);
        expect(leading).toHaveLength(1);
        return leading[0]!;
      }, 10_000);
      const handover = (newLeader.state().leaderSince! - killedAt) / 1000;
      // A standby tries the lock once per interval and the server frees it as soon as the killed
      // process's connection closes; the second allows for a lock attempt on a loaded machine.
      expect(handover).toBeLessThanOrEqual(intervalSeconds + 1);
      await eventually(() => expect(newLeader.latest()?.queues.map((q) => q.name)).toEqual(['work']));
      expect(standbys.filter((standby) => standby.state().leader)).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await Promise.all(standbys.map((standby) => standby.stop()));
    }
  });
});

function spawnCollector(intervalSeconds: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/harness/collector-process.ts'], {
    env: {
      ...process.env,
      QUEUETEL_TEST_DATABASE_URL: db.url,
      QUEUETEL_TEST_SCHEMA: schema,
      QUEUETEL_TEST_INTERVAL_SECONDS: String(intervalSeconds),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves when the child says it leads; rejects if it exits first. */
async function leaderLine(child: ChildProcess): Promise<void> {
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the collector process exited early (code ${String(code)})`);
  });
  const led = (async () => {
    for await (const line of lines) {
      if ((JSON.parse(line) as { leader?: boolean }).leader) return;
    }
  })();
  await Promise.race([led, exited]);
}
