import {
  ATTR_JOB_OUTCOME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  INSTRUMENTS,
  JOB_OUTCOMES,
  type QueuetelMetricProducer,
} from '@queuetel/core';
import { quoteIdent, type Queryable } from '../database.js';
import type { HealthSnapshot } from '../snapshot.js';
import type { PgBossSchema } from '../sources/discover.js';
import { countOf } from '../sources/reading.js';

/** The two ends a job can reach that both lanes count: the `queuetel.job.outcome` of a drift. */
export type ComparedEnd = typeof JOB_OUTCOMES.completed | typeof JOB_OUTCOMES.failed;

/**
 * Lane B's terminal outcomes as pg-boss records them: a job that failed for good, whether it then
 * went to a dead-letter queue or ran out of time, is `failed` in the job table.
 */
const END_OF_OUTCOME: Readonly<Record<string, ComparedEnd>> = {
  [JOB_OUTCOMES.completed]: JOB_OUTCOMES.completed,
  [JOB_OUTCOMES.failed]: JOB_OUTCOMES.failed,
  [JOB_OUTCOMES.dead_lettered]: JOB_OUTCOMES.failed,
  [JOB_OUTCOMES.expired]: JOB_OUTCOMES.failed,
};

/** One queue's comparison over the window. */
export interface DriftReading {
  readonly system: 'pg-boss';
  readonly schema: string;
  readonly name: string;
  readonly end: ComparedEnd;
  /** Jobs that reached `end` as this process's job metrics counted them, over the window. */
  readonly telemetry: number;
  /** Jobs the job table says reached `end` over the same window. */
  readonly database: number;
}

/** A reading of Lane B's counters, at a moment of the database's clock. */
interface Sample {
  readonly at: Date;
  readonly totals: ReadonlyMap<string, number>;
}

/**
 * The shadow comparison: the outcomes this process's job metrics counted (Lane B, read from the
 * queuetel metric producer they are recorded in) against the jobs pg-boss's job table says completed
 * and failed, over the same sliding window of the database's clock. Lane B is read at the database
 * time `now()` returned, and the table is counted up to that time, so both sides cover one window;
 * what remains is the few jobs whose outcome is recorded before pg-boss commits it, a skew the alert's
 * tolerance absorbs. It compares only what one process sees: every worker of a compared queue must
 * run in the process that runs the collector.
 */
export class ShadowComparison {
  readonly #producer: QueuetelMetricProducer;
  readonly #windowMs: number;
  #samples: Sample[] = [];

  constructor(producer: QueuetelMetricProducer, windowSeconds: number) {
    this.#producer = producer;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Compares the pg-boss queues of `snapshot` whose name is in one schema only. */
  async compare(
    db: Queryable,
    schemas: readonly PgBossSchema[],
    snapshot: HealthSnapshot,
  ): Promise<DriftReading[]> {
    const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
    const now = rows[0]!.now;
    const sample: Sample = { at: now, totals: await this.#laneBTotals() };
    this.#samples.push(sample);
    // Keep the newest sample at or before the window's start, so the window is at least its length.
    const start = now.getTime() - this.#windowMs;
    while (this.#samples.length > 1 && this.#samples[1]!.at.getTime() <= start) this.#samples.shift();
    const base = this.#samples[0]!;

    const schemaOf = uniqueSchemas(snapshot);
    const counted = new Map<string, number>();
    for (const source of schemas) {
      for (const row of await countEnds(db, source, base.at, now)) {
        counted.set(key(row.name, JOB_OUTCOMES.completed), countOf(row.completed) ?? 0);
        counted.set(key(row.name, JOB_OUTCOMES.failed), countOf(row.failed) ?? 0);
      }
    }
    const readings: DriftReading[] = [];
    for (const [name, schema] of schemaOf) {
      for (const end of [JOB_OUTCOMES.completed, JOB_OUTCOMES.failed] as const) {
        const k = key(name, end);
        readings.push({
          system: 'pg-boss',
          schema,
          name,
          end,
          telemetry: (sample.totals.get(k) ?? 0) - (base.totals.get(k) ?? 0),
          database: counted.get(k) ?? 0,
        });
      }
    }
    return readings;
  }

  /** Forgets the window, as when this instance stops leading. */
  clear(): void {
    this.#samples = [];
  }

  /** Lane B's cumulative terminal outcomes of pg-boss queues, by queue and end. */
  async #laneBTotals(): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    const { resourceMetrics } = await this.#producer.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== INSTRUMENTS.jobOutcomes.name) continue;
        for (const point of metric.dataPoints) {
          const { attributes } = point;
          const end = END_OF_OUTCOME[String(attributes[ATTR_JOB_OUTCOME])];
          const name = attributes[ATTR_MESSAGING_DESTINATION_NAME];
          if (attributes[ATTR_MESSAGING_SYSTEM] !== 'pg-boss' || !end || typeof name !== 'string') continue;
          if (typeof point.value !== 'number') continue;
          const k = key(name, end);
          totals.set(k, (totals.get(k) ?? 0) + point.value);
        }
      }
    }
    return totals;
  }
}

function key(name: string, end: ComparedEnd): string {
  return `${name}\u0000${end}`;
}

/**
 * The pg-boss queues of a collection by name, with their schema. Lane B's series carry no schema,
 * so a name found in two schemas cannot be matched to one and is left out.
 */
function uniqueSchemas(snapshot: HealthSnapshot): Map<string, string> {
  const schemaOf = new Map<string, string>();
  const repeated = new Set<string>();
  for (const queue of snapshot.queues) {
    if (queue.system !== 'pg-boss') continue;
    if (schemaOf.has(queue.name)) repeated.add(queue.name);
    schemaOf.set(queue.name, queue.schema);
  }
  for (const name of repeated) schemaOf.delete(name);
  return schemaOf;
}

/**
 * Jobs that reached the end states in `(since, until]`. pg-boss stamps `completed_on` when a job
 * completes or fails for good; a failure with retries left stays `retry` and is not counted. This
 * reads the job table over the window; pg-boss 10 archives jobs after 12 hours by default, far
 * beyond the longest window.
 */
async function countEnds(
  db: Queryable,
  source: PgBossSchema,
  since: Date,
  until: Date,
): Promise<{ name: string; completed: unknown; failed: unknown }[]> {
  const { rows } = await db.query<{ name: string; completed: unknown; failed: unknown }>(
    `SELECT name,
       count(*) FILTER (WHERE state = 'completed') AS completed,
       count(*) FILTER (WHERE state = 'failed') AS failed
     FROM ${quoteIdent(source.schema)}.job
     WHERE completed_on > $1 AND completed_on <= $2 AND state IN ('completed', 'failed')
     GROUP BY name`,
    [since, until],
  );
  return rows;
}
