import { setTimeout as sleep } from 'node:timers/promises';
import { quantile } from '../lib/stats.js';
import { spin } from '../lib/spin.js';
import { jobLabels } from '../lib/workload.js';
import type { Schedule } from './patterns.js';
import type { Configuration, ConsumeSettings, Payload } from './system.js';

/** What a job's handler does: return at once, or wait 1 ms as for a quick I/O call. */
export type HandlerKind = 'noop' | 'io-1ms';

export const HANDLERS: Record<HandlerKind, string> = {
  noop: 'no-op',
  'io-1ms': '1 ms async I/O',
};

export interface TrialResult {
  readonly jobs: number;
  /**
   * Jobs per second. For a backlog, the rate at which its middle 80% drained, which leaves out the
   * start (the workers noticing the backlog) and the tail (workers running dry). For arrivals over
   * time, jobs over the time from the first insert to the last completion.
   */
  readonly throughput: number;
  /** Milliseconds from enqueue to the end of the job's handler. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  /** CPU time of this Node process (all its threads, garbage collection included) per job, in µs. */
  readonly cpuMicrosPerJob: number;
  /**
   * Time the event loop was busy per job, in µs: the work on the one thread every job waits for,
   * which is where instrumentation lengthens a worker's cycle.
   */
  readonly loopMicrosPerJob: number;
}

export interface LaneOptions {
  readonly settings: ConsumeSettings;
  readonly handler: HandlerKind;
  /**
   * Microseconds of busy CPU added to each job of an instrumented configuration: the harness's
   * stand-in for a regression in queuetel, to prove the gate sees one. Zero in every real run.
   */
  readonly regressionMicros: number;
}

let laneSerial = 0;

declare const gc: (() => void) | undefined;

/** The jobs of the trial running now, as the workers complete them. */
interface Tally {
  readonly total: number;
  readonly latencies: Float64Array;
  readonly completions: Float64Array;
  completed: number;
  readonly done: () => void;
}

/**
 * One configuration's queue with its workers running, for a whole comparison. Trials feed it jobs
 * and wait for them, so consecutive trials of different configurations are seconds apart, with no
 * worker start or stop in between.
 */
export class Lane {
  #tally: Tally | undefined;
  #serial = 0;

  readonly #stopWorkers: () => Promise<void>;

  private constructor(
    readonly configuration: Configuration,
    readonly queue: string,
    stopWorkers: () => Promise<void>,
  ) {
    this.#stopWorkers = stopWorkers;
  }

  static async open(configuration: Configuration, options: LaneOptions): Promise<Lane> {
    const queue = `bench_${process.pid}_${laneSerial++}`;
    const delay = configuration.instrumented ? options.regressionMicros : 0;
    const io = options.handler === 'io-1ms' ? () => sleep(1) : undefined;
    // The workers start before the lane exists; they only ever see jobs once a trial has begun.
    const slot: { lane?: Lane } = {};
    const onJob = async (payload: Payload): Promise<void> => {
      if (delay > 0) spin(delay);
      if (io) await io();
      if (slot.lane) slot.lane.#record(payload);
    };
    await configuration.createQueue(queue, options.settings);
    const stop = await configuration.consume(queue, options.settings, onJob);
    slot.lane = new Lane(configuration, queue, stop);
    return slot.lane;
  }

  /** Runs one trial: enqueues as `schedule` says and waits until every job is done. */
  async run(schedule: Schedule): Promise<TrialResult> {
    const total = schedule.total;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const tally: Tally = {
      total,
      latencies: new Float64Array(total),
      completions: new Float64Array(total),
      completed: 0,
      done,
    };
    // The tally opens before any job goes in: workers already running may start on the first ones
    // while the rest of a backlog is still being inserted.
    const backlog = schedule.backlog > 0 ? this.#payloads(schedule.backlog) : [];
    // Every trial starts from a collected heap (with node --expose-gc), so no configuration pays for
    // the garbage the one before it left. What its own long-lived garbage costs to collect later
    // is then partly left out; the report says so.
    if (typeof gc === 'function') gc();
    this.#tally = tally;
    const cpuBefore = process.cpuUsage();
    const loopBefore = performance.eventLoopUtilization();
    try {
      if (backlog.length > 0) await this.configuration.enqueue(this.queue, backlog);
      const firstSend = performance.now();
      await this.#produce(schedule);
      await withTimeout(
        finished,
        timeoutMs(schedule),
        () => `${this.configuration.label}: ${tally.completed} of ${total} done`,
      );
      const cpu = process.cpuUsage(cpuBefore);
      const loop = performance.eventLoopUtilization(loopBefore);
      const { completions } = tally;
      const throughput =
        schedule.backlog > 0
          ? middleDrainRate(completions)
          : total / ((completions[total - 1]! - firstSend) / 1000);
      const latencies = Array.from(tally.latencies);
      return {
        jobs: total,
        throughput,
        latencyMs: {
          p50: quantile(latencies, 0.5),
          p95: quantile(latencies, 0.95),
          p99: quantile(latencies, 0.99),
        },
        cpuMicrosPerJob: (cpu.user + cpu.system) / total,
        loopMicrosPerJob: (loop.active * 1000) / total,
      };
    } finally {
      this.#tally = undefined;
    }
  }

  async close(): Promise<void> {
    await this.#stopWorkers();
    await this.configuration.deleteQueue(this.queue);
  }

  #record(payload: Payload): void {
    const tally = this.#tally;
    if (!tally || tally.completed >= tally.total) return;
    const now = performance.now();
    tally.latencies[tally.completed] = now - payload.sentAt;
    tally.completions[tally.completed] = now;
    if (++tally.completed === tally.total) tally.done();
  }

  /** Payloads stamped now; their labels rotate through the workload's combinations. */
  #payloads(count: number): Payload[] {
    const sentAt = performance.now();
    return Array.from({ length: count }, () => ({ sentAt, ...jobLabels(this.#serial++) }));
  }

  /** Inserts each arrival at its time from now; resolves once the last is in. */
  async #produce(schedule: Schedule): Promise<void> {
    const start = performance.now();
    for (const arrival of schedule.arrivals) {
      const wait = start + arrival.atMs - performance.now();
      if (wait > 1) await sleep(wait);
      await this.configuration.enqueue(this.queue, this.#payloads(arrival.count));
    }
  }
}

/** Jobs per second between the 10th and the 90th percentile of completion times. */
function middleDrainRate(completions: Float64Array): number {
  const n = completions.length;
  const first = Math.floor(n * 0.1);
  const last = Math.ceil(n * 0.9) - 1;
  const seconds = (completions[last]! - completions[first]!) / 1000;
  return seconds > 0 ? (last - first) / seconds : Number.NaN;
}

function timeoutMs(schedule: Schedule): number {
  const spanMs = schedule.arrivals.at(-1)?.atMs ?? 0;
  // Generous: a trial that takes this long is broken, not slow.
  return 60_000 + spanMs * 4 + schedule.total * 5;
}

async function withTimeout(promise: Promise<void>, ms: number, describe: () => string): Promise<void> {
  const controller = new AbortController();
  const timeout = sleep(ms, undefined, { signal: controller.signal }).then(() => {
    throw new Error(`trial timed out after ${ms} ms: ${describe()}`);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    controller.abort();
    timeout.catch(() => {});
  }
}
