import { metrics } from '@opentelemetry/api';
import { getGlobalMetricProducer } from '@queuetel/core';
import { OnceReporter, describe, runUntraced } from '@queuetel/core/internal';
import manifest from '../../package.json' with { type: 'json' };
import { openSession, type Session } from '../database.js';
import { resolveHealthOptions, type QueueHealthOptions, type ResolvedHealthOptions } from '../options.js';
import { readSnapshot } from '../read.js';
import type { HealthSnapshot } from '../snapshot.js';
import { discover, type Discovered } from '../sources/discover.js';
import { DeltaTotals } from '../totals.js';
import { lockKey, stepDown, tryLead } from './election.js';
import { COLLECTOR_ERROR_TYPES, collectorErrorType } from './errors.js';
import { MeterOutput } from './meter-output.js';
import type { HealthOutput } from './output.js';
import type { GaugeView } from './points.js';
import { ProducerOutput } from './producer-output.js';
import { EndedTotals, type EndedTotal } from './ended.js';

/** The instrumentation scope of the Lane A gauges. */
export const HEALTH_SCOPE = Object.freeze({ name: manifest.name, version: manifest.version });

/** The longest wait between tries while the database keeps failing. */
const MAX_BACKOFF_MS = 30_000;

/** What a collector can say about itself, for the health endpoint and for tests. */
export interface CollectorState {
  /** Whether this instance holds the collector lock and reads the database each interval. */
  readonly leader: boolean;
  readonly intervalSeconds: number;
  /** When this instance last collected successfully (ms since the epoch). */
  readonly lastGoodAt: number | undefined;
  /** When this instance became the leader (ms since the epoch), while it leads. */
  readonly leaderSince: number | undefined;
  /** Whether the last attempt to reach the database succeeded; undefined before the first. */
  readonly databaseReachable: boolean | undefined;
  /** The last failure, its `error.type` and message (the message never holds a password). */
  readonly lastError: { readonly type: string; readonly message: string; readonly at: number } | undefined;
  /** Collections this instance has run. */
  readonly collections: number;
  /** Tries this instance made to take the lock. */
  readonly lockAttempts: number;
}

/** A running collector. */
export interface QueueHealth {
  /** The latest collection, while it is fresh (at most two intervals old); never queries. */
  latest(): HealthSnapshot | undefined;
  /**
   * The latest collection if fresh; otherwise reads now, at most once per interval however often it
   * is called (a standby's health endpoint uses this). Rejects when the database cannot be read.
   */
  read(): Promise<HealthSnapshot>;
  state(): CollectorState;
  /** Stops collecting, gives up the lock, closes the connection and stops reporting. */
  stop(): Promise<void>;
}

/**
 * Starts collecting the queue-state gauges, in a worker process or a sidecar. However many
 * processes run it against one database, one of them (elected with an advisory lock) reads the
 * database each interval; the others stand by, try the lock each interval, and take over within an
 * interval of the leader's session ending.
 *
 * Options are checked here, once; a bad one throws a `QueuetelConfigError` naming it. Nothing else
 * ever throws or rejects out of the collector: database errors are counted, reported once through
 * `diag`, and retried with backoff.
 */
export function startQueueHealth(options: QueueHealthOptions): QueueHealth {
  return new Collector(resolveHealthOptions(options));
}

class Collector implements QueueHealth {
  readonly #options: ResolvedHealthOptions;
  readonly #key: string;
  readonly #output: HealthOutput;
  readonly #totals = new DeltaTotals();
  readonly #reporter = new OnceReporter();
  #session: Session | undefined;
  #opening: Promise<Session> | undefined;
  /** pg-boss schema versions, read once per schema. */
  readonly #versions = new Map<string, number | undefined>();
  #latest: HealthSnapshot | undefined;
  /** The job table's ends, counted for the shadow comparison when it is on. */
  readonly #ended: EndedTotals | undefined;
  /** The ends counted at {@link #latest}. */
  #endedTotals: readonly EndedTotal[] = [];
  #leaderSince: number | undefined;
  #lastGoodAt: number | undefined;
  #lastError: CollectorState['lastError'];
  #reachable: boolean | undefined;
  #failures = 0;
  #collections = 0;
  #lockAttempts = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #onDemand: { at: number; result: Promise<HealthSnapshot> } | undefined;
  #stopped = false;

  constructor(options: ResolvedHealthOptions) {
    this.#options = options;
    this.#key = lockKey(options.lockName);
    this.#ended = options.shadowComparison ? new EndedTotals() : undefined;
    const view = (): GaugeView => {
      const snapshot = this.#leaderSince !== undefined ? this.latest() : undefined;
      return {
        snapshot,
        leader: this.#leaderSince !== undefined,
        stalenessSeconds: this.#staleness(),
        ended: snapshot ? this.#endedTotals : [],
      };
    };
    // As for job metrics: an explicit meter provider means the Meter API; otherwise a queuetel
    // producer, given or installed globally, whenever there is one.
    const producer =
      options.metricProducer ?? (options.meterProvider === undefined ? getGlobalMetricProducer() : undefined);
    this.#output = producer
      ? new ProducerOutput(producer, HEALTH_SCOPE, view)
      : new MeterOutput(
          (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
            HEALTH_SCOPE.name,
            HEALTH_SCOPE.version,
          ),
          view,
        );
    this.#schedule(0);
  }

  latest(): HealthSnapshot | undefined {
    const latest = this.#latest;
    if (!latest) return undefined;
    // A collection older than two intervals means the loop is stuck; it is not reported as current.
    return Date.now() - latest.receivedAt <= 2 * this.#intervalMs ? latest : undefined;
  }

  read(): Promise<HealthSnapshot> {
    const latest = this.latest();
    if (latest) return Promise.resolve(latest);
    const onDemand = this.#onDemand;
    if (onDemand && Date.now() - onDemand.at < this.#intervalMs) return onDemand.result;
    const result = this.#untraced(() => this.#readOnDemand());
    this.#onDemand = { at: Date.now(), result };
    return result;
  }

  state(): CollectorState {
    return {
      leader: this.#leaderSince !== undefined,
      intervalSeconds: this.#options.intervalSeconds,
      lastGoodAt: this.#lastGoodAt,
      leaderSince: this.#leaderSince,
      databaseReachable: this.#reachable,
      lastError: this.#lastError,
      collections: this.#collections,
      lockAttempts: this.#lockAttempts,
    };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    const session = this.#session;
    if (session && this.#leaderSince !== undefined && !session.lost) {
      await this.#untraced(() => stepDown(session.client, this.#key)).catch(() => {});
    }
    await this.#untraced(() => this.#dropSession());
    this.#output.detach();
  }

  #untraced<R>(fn: () => R): R {
    return runUntraced(this.#options.tracePolling, fn);
  }

  get #intervalMs(): number {
    return this.#options.intervalSeconds * 1000;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    // The tick runs in the context the timer was set in, so scheduling untraced keeps every
    // collection's queries out of traces.
    this.#timer = this.#untraced(() =>
      setTimeout(() => {
        this.#running = this.#tick().finally(() => {
          this.#running = undefined;
        });
      }, delayMs),
    );
    // A collector inside a worker must not keep the process alive on its own.
    this.#timer.unref();
  }

  /** One interval's work. Single-flight: the next tick is scheduled only once this one is done. */
  async #tick(): Promise<void> {
    const started = Date.now();
    try {
      await this.#leadOrStandBy();
      this.#failures = 0;
    } catch (error) {
      this.#failed(error);
    }
    if (this.#failures > 0) {
      this.#schedule(
        Math.min(this.#intervalMs * 2 ** (this.#failures - 1), Math.max(MAX_BACKOFF_MS, this.#intervalMs)),
      );
    } else {
      // Keep to the interval's beat; a collection that overran skips the beats it missed.
      const elapsed = Date.now() - started;
      this.#schedule(this.#intervalMs - (elapsed % this.#intervalMs));
    }
  }

  async #leadOrStandBy(): Promise<void> {
    const session = await this.#ensureSession();
    if (this.#leaderSince === undefined) {
      if (this.#options.election) {
        this.#lockAttempts++;
        const leads = await tryLead(session.client, this.#key);
        this.#reachable = true;
        if (!leads) return;
      }
      this.#leaderSince = Date.now();
      // Totals counted by a previous term may have missed windows another leader saw; start afresh.
      this.#totals.clear();
      this.#ended?.clear();
    }
    const started = performance.now();
    const discovered = await discover(session.client, this.#options.discovery, this.#versions);
    const snapshot = await readSnapshot(session.client, {
      discovered,
      queues: this.#options.queues,
      totals: this.#totals,
    });
    this.#endedTotals = this.#ended
      ? await this.#countEnded(this.#ended, session.client, discovered, snapshot)
      : [];
    this.#latest = snapshot;
    this.#lastGoodAt = Date.now();
    this.#reachable = true;
    this.#collections++;
    this.#output.recordCollection((performance.now() - started) / 1000);
  }

  /**
   * The shadow comparison's count of ends; its failure costs only its own counter for a collection
   * (the cursor stays, so the next read catches up), never the collection.
   */
  async #countEnded(
    ended: EndedTotals,
    db: Session['client'],
    discovered: Discovered,
    snapshot: HealthSnapshot,
  ): Promise<readonly EndedTotal[]> {
    try {
      return await ended.read(db, discovered.pgBoss, snapshot);
    } catch (error) {
      this.#reporter.report(
        'shadow',
        'counting the jobs the job table ended failed; it is tried again next collection',
        error,
      );
      return [];
    }
  }

  #failed(error: unknown): void {
    this.#failures++;
    const type = collectorErrorType(error);
    const message = describe(error);
    this.#lastError = { type, message, at: Date.now() };
    this.#output.recordError(type);
    this.#reporter.report(
      `collect:${type}`,
      `queue-health collection failed (${type}), retrying with backoff`,
      error,
    );
    // No stale numbers: until a collection succeeds again, the gauges report nothing.
    this.#latest = undefined;
    // A pg-boss migration may change a schema's version along with its columns.
    if (type === COLLECTOR_ERROR_TYPES.schemaChanged) this.#versions.clear();
    if (type === COLLECTOR_ERROR_TYPES.connection) this.#reachable = false;
    // A statement the server cancelled leaves the session sound. A connection that failed, or stopped
    // answering so that the client gave up on it, is in doubt: it is closed, and the lock with it.
    const serverCancelled = (error as { code?: unknown } | null)?.code === '57014';
    if (
      this.#session?.lost ||
      type === COLLECTOR_ERROR_TYPES.connection ||
      (type === COLLECTOR_ERROR_TYPES.timeout && !serverCancelled)
    ) {
      void this.#dropSession();
    }
  }

  async #ensureSession(): Promise<Session> {
    const current = this.#session;
    if (current && !current.lost) return current;
    if (current) await this.#dropSession();
    this.#opening ??= openSession(this.#options.database, this.#options).finally(() => {
      this.#opening = undefined;
    });
    const session = await this.#opening;
    if (this.#stopped) {
      await session.close();
      throw new Error('the collector was stopped');
    }
    this.#session = session;
    return session;
  }

  async #dropSession(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    this.#leaderSince = undefined;
    this.#latest = undefined;
    await session?.close();
  }

  /** A standby's read, or the leader's while its own collections fail: once per interval at most. */
  async #readOnDemand(): Promise<HealthSnapshot> {
    try {
      const session = await this.#ensureSession();
      const snapshot = await readSnapshot(session.client, {
        discovered: await discover(session.client, this.#options.discovery, this.#versions),
        queues: this.#options.queues,
        totals: undefined,
      });
      this.#reachable = true;
      return snapshot;
    } catch (error) {
      if (collectorErrorType(error) === COLLECTOR_ERROR_TYPES.connection) this.#reachable = false;
      throw error;
    }
  }

  /**
   * The leader says how long ago it last collected. So does an instance that collected before and
   * now cannot reach the database, since no other instance can say it then. A standby whose
   * database works stays silent: the leader speaks for the group, and the series stays one.
   */
  #staleness(): number | undefined {
    const since =
      this.#leaderSince !== undefined
        ? (this.#lastGoodAt ?? this.#leaderSince)
        : this.#reachable === false
          ? this.#lastGoodAt
          : undefined;
    return since === undefined ? undefined : Math.max(0, (Date.now() - since) / 1000);
  }
}
