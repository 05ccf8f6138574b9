// What the shadow comparison adds to a collection: one read of the jobs pg-boss ended since the last
// collection (packages/health/src/sources/pg-boss-ended.ts), with 10k, 100k and 1M ended jobs kept in
// the job table, on pg-boss 12 and 10, against a real PostgreSQL. Prints the figures
// docs/queue-health.md quotes; writes no results file.
//
//   npm run bench:collector:ended                    # every size, both versions
//   npm run bench:collector:ended -- --sizes 10000   # a quick look
//
// Uses DATABASE_URL when set, else starts an embedded PostgreSQL 18 of its own.
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import PgBoss10 from 'pg-boss-10';
import { readEndedSince, settledNow } from '../../packages/health/src/sources/pg-boss-ended.js';
import { withDatabase } from '../../test/harness/database.js';
import { startEmbeddedPostgres } from '../../test/harness/postgres.js';
import { collectorBenchArgs } from './args.js';
import { dropDatabase, recreateDatabase } from '../lib/database.js';

const { sizes, versions, cycles } = collectorBenchArgs();

const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const adminUrl = process.env.DATABASE_URL ?? server!.url;
try {
  for (const version of versions) {
    for (const ended of sizes) {
      const ms = await measure(version, ended);
      console.log(
        `pg-boss ${version}, ${ended} ended jobs in the table: one read of the last 5 s of ends ` +
          `p50 ${ms.p50} ms, p95 ${ms.p95} ms, max ${ms.max} ms`,
      );
    }
  }
} finally {
  await server?.stop();
}

async function measure(
  version: '12' | '10',
  ended: number,
): Promise<{ p50: number; p95: number; max: number }> {
  const name = `bench_ended_${version}_${ended}`;
  const url = withDatabase(adminUrl, name);
  await recreateDatabase(adminUrl, name);
  try {
    const common = { connectionString: url, schema: 'pgboss', schedule: false, supervise: false };
    const boss =
      version === '12' ? new PgBoss({ ...common, openTelemetry: { enabled: false } }) : new PgBoss10(common);
    (boss as unknown as NodeJS.EventEmitter).on('error', () => {});
    await boss.start();
    await boss.createQueue('bench');
    await boss.stop({ graceful: false, wait: true });

    const session = new pg.Client({ connectionString: url, statement_timeout: 30_000 });
    await session.connect();
    try {
      // Jobs that ended over the last day, one in ten failed: what a busy queue's table keeps until
      // pg-boss deletes them.
      for (let done = 0; done < ended; done += 100_000) {
        await session.query(
          `INSERT INTO pgboss.job (name, data, state, started_on, completed_on)
           SELECT 'bench', jsonb_build_object('n', g),
             (CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END)::pgboss.job_state,
             now() - make_interval(secs => g * 86400.0 / $1) - interval '1 second',
             now() - make_interval(secs => g * 86400.0 / $1)
           FROM generate_series($2::int + 1, $2::int + $3::int) AS g`,
          [ended, done, Math.min(100_000, ended - done)],
        );
      }
      await session.query('VACUUM ANALYZE');
      const source = {
        schema: 'pgboss',
        version: undefined,
        queueColumns: new Set<string>(),
        jobColumns: new Set<string>(),
        instanceColumns: new Set<string>(),
      };
      const samples: number[] = [];
      for (let i = 0; i < cycles + 3; i++) {
        const started = performance.now();
        const until = await settledNow(session);
        await readEndedSince(session, source, new Date(until.getTime() - 5000), until);
        // The first three warm the caches, as a collector's first intervals do.
        if (i >= 3) samples.push(performance.now() - started);
      }
      const sorted = samples.sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
      return { p50: at(0.5), p95: at(0.95), max: at(1) };
    } finally {
      await session.end();
    }
  } finally {
    await dropDatabase(adminUrl, name);
  }
}
