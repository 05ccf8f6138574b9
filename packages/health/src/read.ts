import { performance } from 'node:perf_hooks';
import type { Queryable } from './database.js';
import { describeSources, type Discovered } from './sources/discover.js';
import { readConsumers, type ConsumerCounts } from './sources/heartbeats.js';
import { readPgBossCache } from './sources/pg-boss-cache.js';
import {
  hasInstanceRegistry,
  readPgBossInstances,
  type InstanceCounts,
} from './sources/pg-boss-instances.js';
import { readPgBossScan } from './sources/pg-boss-scan.js';
import { readPgmq } from './sources/pgmq.js';
import type { QueueReading } from './sources/reading.js';
import type { DeltaTotals } from './totals.js';
import {
  queueKey,
  waitingJobs,
  type HealthSnapshot,
  type QueueSnapshot,
  type WorkerCounts,
  type WorkerKind,
} from './snapshot.js';

/** What one collection reads. */
export interface ReadPlan {
  readonly discovered: Discovered;
  /** Only these queues are reported (their dead-letter queues are still read). */
  readonly queues: readonly string[] | undefined;
  /** Where pg-boss 12's per-pass deltas are summed into totals; none for a one-shot read. */
  readonly totals: DeltaTotals | undefined;
}

/** Reads every source once, one statement at a time on `db`, and joins the results. */
export async function readSnapshot(db: Queryable, plan: ReadPlan): Promise<HealthSnapshot> {
  const started = performance.now();
  const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
  const roundTripSeconds = (performance.now() - started) / 1000;
  const takenAt = rows[0]!.now;

  const { discovered } = plan;
  const readings: QueueReading[] = [];
  const instances = new Map<string, InstanceCounts>();
  for (const source of discovered.pgBoss) {
    const cached = source.queueColumns.has('queued_count');
    readings.push(...(cached ? await readPgBossCache(db, source) : await readPgBossScan(db, source)));
    if (hasInstanceRegistry(source)) instances.set(source.schema, await readPgBossInstances(db, source));
  }
  if (discovered.pgmqMetrics) readings.push(...(await readPgmq(db, discovered.pgmqMetrics)));
  const consumers = discovered.heartbeats ? await readConsumers(db) : undefined;

  const queues = joinReadings(readings, { takenAt, instances, consumers, totals: plan.totals });
  const wanted = plan.queues && new Set(plan.queues);
  return {
    takenAt,
    receivedAt: Date.now(),
    durationSeconds: (performance.now() - started) / 1000,
    roundTripSeconds,
    sources: describeSources(discovered),
    queues: wanted ? queues.filter((queue) => wanted.has(queue.name)) : queues,
    workers: workerTotals(instances, consumers),
  };
}

interface JoinContext {
  readonly takenAt: Date;
  readonly instances: ReadonlyMap<string, InstanceCounts>;
  readonly consumers: ConsumerCounts | undefined;
  readonly totals: DeltaTotals | undefined;
}

/** Adds to each reading what other readings and sources know of it: dead letters, workers, totals. */
export function joinReadings(readings: readonly QueueReading[], context: JoinContext): QueueSnapshot[] {
  const byName = new Map(readings.map((r) => [queueKey(r.system, r.schema, r.name), r]));
  return readings.map((reading) => {
    const key = queueKey(reading.system, reading.schema, reading.name);
    const deadLetterReading =
      reading.deadLetterQueue === undefined
        ? undefined
        : byName.get(queueKey(reading.system, reading.schema, reading.deadLetterQueue));
    const workers: Partial<Record<WorkerKind, number>> = {};
    const registry = reading.system === 'pg-boss' ? context.instances.get(reading.schema) : undefined;
    if (registry) workers['pg-boss-instance'] = registry.byQueue.get(reading.name) ?? 0;
    if (context.consumers) workers['queuetel-consumer'] = context.consumers.byQueue.get(key) ?? 0;
    const totals = context.totals?.observe(key, reading.deltas);
    return {
      system: reading.system,
      schema: reading.schema,
      name: reading.name,
      jobs: reading.jobs,
      oldestAgeSeconds: reading.oldestAgeSeconds,
      newestAgeSeconds: reading.newestAgeSeconds,
      // A dead-letter queue whose counts are unknown yet is left out rather than reported empty.
      deadLetter:
        deadLetterReading && Object.keys(deadLetterReading.jobs).length > 0
          ? { name: deadLetterReading.name, jobs: waitingJobs(deadLetterReading.jobs) }
          : undefined,
      enqueued: reading.enqueuedTotal ?? totals?.enqueued,
      completed: totals?.completed,
      totalsSince: totals?.since,
      workers,
      countedAt: reading.countedAt ?? context.takenAt,
    };
  });
}

function workerTotals(
  instances: ReadonlyMap<string, InstanceCounts>,
  consumers: ConsumerCounts | undefined,
): WorkerCounts {
  const totals: Partial<Record<WorkerKind, number>> = {};
  if (instances.size > 0) {
    totals['pg-boss-instance'] = [...instances.values()].reduce((sum, counts) => sum + counts.total, 0);
  }
  if (consumers) totals['queuetel-consumer'] = consumers.total;
  return totals;
}
