// One collection cycle's database time at 10k, 100k and 1M waiting jobs, on pg-boss 12 (the cache)
// and pg-boss 10 (the scan), against a real PostgreSQL. Writes benchmarks/results/collector.json.
//
//   npm run bench:collector                    # every size, both versions (several minutes)
//   npm run bench:collector -- --sizes 10000   # a quick look
//
// Uses DATABASE_URL when set, else starts an embedded PostgreSQL 18 of its own.
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import PgBoss10 from 'pg-boss-10';
import type { Queryable } from '../../packages/health/src/database.js';
import { readSnapshot } from '../../packages/health/src/read.js';
import { discover } from '../../packages/health/src/sources/discover.js';
import { withDatabase } from '../../test/harness/database.js';
import { startEmbeddedPostgres } from '../../test/harness/postgres.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { dropDatabase, recreateDatabase } from '../lib/database.js';
import { writeResults } from '../lib/results.js';
import type { CollectorRun, CycleResult } from './report.js';
import { collectorBenchArgs } from './args.js';

const { sizes, versions, cycles } = collectorBenchArgs();
let postgresVersion: string | undefined;
// Other work on the machine shows in every figure; how busy it was is kept with them.
const machine = describeMachine();
const cpuBefore = readCpuTimes();

const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const adminUrl = process.env.DATABASE_URL ?? server!.url;
const results: CycleResult[] = [];
try {
  for (const version of versions) {
    for (const jobs of sizes) {
      const result = await measure(version, jobs);
      results.push(result);
      console.log(
        `pg-boss ${result.pgBoss} (${result.method}), ${jobs} waiting jobs: ` +
          `p50 ${result.cycleMs.p50} ms, p95 ${result.cycleMs.p95} ms, max ${result.cycleMs.max} ms`,
      );
    }
  }
} finally {
  await server?.stop();
}

const run: CollectorRun = {
  postgres: postgresVersion ?? 'unknown',
  cyclesPerSize: cycles,
  budgetMs: 50,
  results,
};
const command = ['npm run bench:collector', ...process.argv.slice(2)].join(' ');
writeResults('collector', { suite: 'collector', machine: finishMachine(machine, cpuBefore), command, run });
console.log('wrote benchmarks/results/collector.json');

// ---------------------------------------------------------------------------------------------

async function measure(version: '12' | '10', jobs: number): Promise<CycleResult> {
  const name = `bench_collector_${version}_${jobs}`;
  const url = withDatabase(adminUrl, name);
  postgresVersion = await recreateDatabase(adminUrl, name);
  try {
    const schema = 'pgboss';
    const boss =
      version === '12'
        ? new PgBoss({
            connectionString: url,
            schema,
            schedule: false,
            supervise: false,
            openTelemetry: { enabled: false },
          })
        : new PgBoss10({ connectionString: url, schema, schedule: false, supervise: false });
    (boss as unknown as NodeJS.EventEmitter).on('error', () => {});
    await boss.start();
    await boss.createQueue('bench');
    await boss.createQueue('other');
    await fill(url, schema, jobs);
    if (version === '12') {
      // pg-boss's own monitor fills the cache the collector reads; run it once, as its supervisor would.
      await (boss as unknown as { getQueueStats(name: string, o: object): Promise<unknown> }).getQueueStats(
        'bench',
        {
          force: true,
        },
      );
    }
    await boss.stop({ graceful: false, wait: true });

    const session = new pg.Client({ connectionString: url, statement_timeout: 30_000 });
    await session.connect();
    await session.query('VACUUM ANALYZE');
    try {
      const timed = timedQueryable(session);
      const samples: number[] = [];
      // As in the collector, each schema's version is read once, not every cycle.
      const versions = new Map<string, number | undefined>();
      let statements = 0;
      let waiting = 0;
      let method = '';
      for (let i = 0; i < cycles + 3; i++) {
        timed.reset();
        const discovered = await discover(timed, { pgBossSchemas: [schema], pgmq: false }, versions);
        const snapshot = await readSnapshot(timed, { discovered, queues: undefined, totals: undefined });
        // The first three warm the caches, as a collector's do after its first few intervals.
        if (i >= 3) samples.push(timed.elapsedMs());
        statements = timed.statements();
        method = snapshot.sources[0]!.method;
        const bench = snapshot.queues.find((q) => q.name === 'bench')!;
        waiting = (bench.jobs.ready ?? 0) + (bench.jobs.deferred ?? 0);
      }
      if (waiting !== jobs) throw new Error(`the collector saw ${waiting} waiting jobs, not ${jobs}`);
      return {
        pgBoss: version === '12' ? '12.38.0' : '10.4.2',
        method,
        jobs,
        statements,
        cycleMs: summarize(samples),
      };
    } finally {
      await session.end();
    }
  } finally {
    await dropDatabase(adminUrl, name);
  }
}

/** Inserts `jobs` waiting jobs into 'bench', in batches, through SQL that pg-boss's defaults complete. */
async function fill(url: string, schema: string, jobs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let done = 0; done < jobs; done += 100_000) {
      const batch = Math.min(100_000, jobs - done);
      await client.query(
        `INSERT INTO ${schema}.job (name, data)
         SELECT 'bench', jsonb_build_object('n', g, 'payload', repeat('x', 64))
         FROM generate_series(1, $1) AS g`,
        [batch],
      );
    }
  } finally {
    await client.end();
  }
}

/** A client whose statements are timed: a cycle's database time is the sum of its round trips. */
function timedQueryable(client: pg.Client) {
  let elapsed = 0;
  let count = 0;
  const timed: Queryable = {
    async query(text: string, values?: unknown[]) {
      const started = performance.now();
      try {
        return await client.query(text, values);
      } finally {
        elapsed += performance.now() - started;
        count++;
      }
    },
  };
  return Object.assign(timed, {
    reset: () => {
      elapsed = 0;
      count = 0;
    },
    elapsedMs: () => elapsed,
    statements: () => count,
  });
}

function summarize(samples: number[]): CycleResult['cycleMs'] {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sorted.reduce((s, n) => s + n, 0) / sorted.length),
  };
}
