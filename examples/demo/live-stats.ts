/**
 * Turns successive collections of the SDK's metrics into what the live view shows per queue. Every
 * figure comes from a metric: queuetel's job metrics (cumulative, so a rate is the difference
 * between two collections) and the queue-health collector's gauges.
 */
import {
  ATTR_ERROR_TYPE,
  ATTR_JOB_OUTCOME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ATTR_QUEUE_STATE,
  JOB_OUTCOMES,
  QUEUE_STATES,
  INSTRUMENTS,
} from '@queuetel/core';
import type { Point } from './points.js';

/** Seconds of history the rates and percentiles are taken over. */
const WINDOW_SECONDS = 10;
/** Samples kept for the sparklines. */
const HISTORY = 40;

export interface QueueRow {
  readonly system: string;
  readonly name: string;
  /** Jobs waiting (every state but active and failed), from the health collector. */
  readonly depth: number | undefined;
  readonly active: number | undefined;
  readonly oldestAgeSeconds: number | undefined;
  /** Attempts finished per second over the window. */
  readonly jobsPerSecond: number;
  /** Share of the window's attempts that failed (retried, dead-lettered, failed or expired). */
  readonly errorRate: number | undefined;
  readonly p95WaitSeconds: number | undefined;
  readonly p95ProcessSeconds: number | undefined;
  /** Since the start. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly deadLetterDepth: number | undefined;
  readonly liveWorkers: number | undefined;
  /** Per label key, its values with the most attempts, and their share. */
  readonly topLabels: readonly { key: string; values: readonly [string, number][] }[];
  readonly errorTypes: readonly [string, number][];
  readonly depthHistory: readonly number[];
  readonly rateHistory: readonly number[];
}

interface Sample {
  readonly at: number;
  /** Per queue: cumulative attempts and failed attempts, and the two histograms' bucket counts. */
  readonly queues: Map<string, { attempts: number; failures: number; wait: Buckets; process: Buckets }>;
}

interface Buckets {
  boundaries: readonly number[];
  counts: number[];
}

const FAILED_OUTCOMES = new Set<string>([
  JOB_OUTCOMES.retried,
  JOB_OUTCOMES.failed,
  JOB_OUTCOMES.expired,
  JOB_OUTCOMES.dead_lettered,
]);
/** Attributes that are not the user's own labels. */
const isLabel = (key: string) => !key.includes('.');

export class LiveStats {
  readonly #samples: Sample[] = [];
  readonly #depthHistory = new Map<string, number[]>();
  readonly #rateHistory = new Map<string, number[]>();
  #latest: Point[] = [];

  /** Takes one collection, made at `at` (milliseconds). */
  update(points: readonly Point[], at: number): void {
    this.#latest = [...points];
    const sample: Sample = { at, queues: new Map() };
    for (const point of points) {
      const isWait = point.name === INSTRUMENTS.jobWaitTime.name;
      if (
        point.name !== INSTRUMENTS.jobOutcomes.name &&
        !isWait &&
        point.name !== INSTRUMENTS.jobDuration.name
      )
        continue;
      const key = queueKey(point);
      let entry = sample.queues.get(key);
      if (!entry)
        sample.queues.set(key, (entry = { attempts: 0, failures: 0, wait: empty(), process: empty() }));
      if (point.name === INSTRUMENTS.jobOutcomes.name) {
        entry.attempts += point.value;
        if (FAILED_OUTCOMES.has(String(point.attributes[ATTR_JOB_OUTCOME]))) entry.failures += point.value;
      } else if (point.histogram) {
        add(isWait ? entry.wait : entry.process, point.histogram);
      }
    }
    const previous = this.#samples.at(-1);
    this.#samples.push(sample);
    while (this.#samples.length > 1 && at - this.#samples[0]!.at > WINDOW_SECONDS * 1000)
      this.#samples.shift();
    for (const key of this.#queueKeys()) {
      const seconds = previous ? (at - previous.at) / 1000 : 0;
      const done = (sample.queues.get(key)?.attempts ?? 0) - (previous?.queues.get(key)?.attempts ?? 0);
      push(this.#rateHistory, key, seconds > 0 ? done / seconds : 0);
      push(this.#depthHistory, key, this.#depth(key) ?? 0);
    }
  }

  rows(): QueueRow[] {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    return [...this.#queueKeys()].sort().map((key) => {
      const [system = '', name = ''] = key.split('\u0000');
      const now = last?.queues.get(key);
      const then = first?.queues.get(key);
      const seconds = first && last ? (last.at - first.at) / 1000 : 0;
      const attempts = (now?.attempts ?? 0) - (then?.attempts ?? 0);
      const failures = (now?.failures ?? 0) - (then?.failures ?? 0);
      return {
        system,
        name,
        depth: this.#depth(key),
        active: this.#gauge(INSTRUMENTS.queueJobs.name, key, (state) => state === QUEUE_STATES.active),
        oldestAgeSeconds: this.#gauge(INSTRUMENTS.queueOldestAge.name, key),
        jobsPerSecond: seconds > 0 ? attempts / seconds : 0,
        errorRate: attempts > 0 ? failures / attempts : undefined,
        p95WaitSeconds: now && quantile(difference(now.wait, then?.wait), 0.95),
        p95ProcessSeconds: now && quantile(difference(now.process, then?.process), 0.95),
        outcomes: this.#sumBy(key, ATTR_JOB_OUTCOME),
        deadLetterDepth: this.#gauge(INSTRUMENTS.queueDeadLetterJobs.name, key),
        liveWorkers: this.#gauge(INSTRUMENTS.workersLive.name, key),
        topLabels: this.#topLabels(key),
        errorTypes: top(this.#sumBy(key, ATTR_ERROR_TYPE), 3),
        depthHistory: this.#depthHistory.get(key) ?? [],
        rateHistory: this.#rateHistory.get(key) ?? [],
      };
    });
  }

  /** Queues that are worked: with job metrics or live workers. Dead-letter queues nobody works are left out. */
  #queueKeys(): Set<string> {
    const keys = new Set<string>();
    for (const point of this.#latest) {
      const worked = point.name === INSTRUMENTS.workersLive.name && point.value > 0;
      if (point.name === INSTRUMENTS.jobOutcomes.name || worked) keys.add(queueKey(point));
    }
    return keys;
  }

  #depth(key: string): number | undefined {
    return this.#gauge(
      INSTRUMENTS.queueJobs.name,
      key,
      (state) => state !== QUEUE_STATES.active && state !== QUEUE_STATES.failed,
    );
  }

  #gauge(name: string, key: string, state?: (state: string) => boolean): number | undefined {
    let total: number | undefined;
    for (const point of this.#latest) {
      if (point.name !== name || queueKey(point) !== key) continue;
      if (state && !state(String(point.attributes[ATTR_QUEUE_STATE]))) continue;
      total = (total ?? 0) + point.value;
    }
    return total;
  }

  #sumBy(key: string, attribute: string): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const point of this.#latest) {
      if (point.name !== INSTRUMENTS.jobOutcomes.name || queueKey(point) !== key) continue;
      const value = point.attributes[attribute];
      if (value === undefined) continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      totals[text] = (totals[text] ?? 0) + point.value;
    }
    return totals;
  }

  /**
   * The outcomes are per queue; attempts by label are the duration histogram's count (one duration
   * per ended attempt), so the top values are read from there.
   */
  #topLabels(key: string): { key: string; values: [string, number][] }[] {
    const byKey = new Map<string, Record<string, number>>();
    for (const point of this.#latest) {
      if (point.name !== INSTRUMENTS.jobDuration.name || queueKey(point) !== key) continue;
      for (const [label, value] of Object.entries(point.attributes)) {
        if (!isLabel(label)) continue;
        const counts = byKey.get(label) ?? {};
        counts[String(value)] = (counts[String(value)] ?? 0) + point.value;
        byKey.set(label, counts);
      }
    }
    return [...byKey].map(([label, counts]) => ({ key: label, values: top(counts, 3) }));
  }
}

function queueKey(point: Point): string {
  return `${String(point.attributes[ATTR_MESSAGING_SYSTEM])}\u0000${String(point.attributes[ATTR_MESSAGING_DESTINATION_NAME])}`;
}

/** The `limit` largest entries, each with its share of the whole. */
function top(counts: Record<string, number>, limit: number): [string, number][] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([value, count]) => [value, total > 0 ? count / total : 0]);
}

function empty(): Buckets {
  return { boundaries: [], counts: [] };
}

function add(into: Buckets, from: { boundaries: readonly number[]; counts: readonly number[] }): void {
  into.boundaries = from.boundaries;
  from.counts.forEach((count, i) => (into.counts[i] = (into.counts[i] ?? 0) + count));
}

function difference(now: Buckets, then: Buckets | undefined): Buckets {
  return { boundaries: now.boundaries, counts: now.counts.map((count, i) => count - (then?.counts[i] ?? 0)) };
}

/** The upper bound of the bucket holding the q-quantile: all a histogram can honestly say. */
function quantile(buckets: Buckets, q: number): number | undefined {
  const total = buckets.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (let i = 0; i < buckets.counts.length; i++) {
    seen += buckets.counts[i]!;
    if (seen >= q * total) return buckets.boundaries[i] ?? Infinity;
  }
  return Infinity;
}

function push(history: Map<string, number[]>, key: string, value: number): void {
  const values = history.get(key) ?? [];
  values.push(value);
  if (values.length > HISTORY) values.shift();
  history.set(key, values);
}
