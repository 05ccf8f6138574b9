import { JobTelemetry, QueuetelConfigError, resolveOptions, type ResolvedOptions } from '@queuetel/core';
import { expectBoolean, runUntraced } from '@queuetel/core/internal';
import { hasBuiltInTelemetry } from './built-in.js';
import { eachJob, instrumentHandler, type ConsumerContext } from './consumer.js';
import { pgBossAdapter, type QueuePolicy } from './job-adapter.js';
import { LostAttempts } from './lost-attempts.js';
import { instrumentInsert, instrumentSendCall, stampInsert, stampSendCall } from './producer.js';
import type {
  BatchHandler,
  InstrumentedPgBoss,
  PgBossInstrumentationOptions,
  PgBossJob,
  PgBossLike,
} from './types.js';

type Call = (...args: unknown[]) => Promise<unknown>;

const INSTRUMENTED = Symbol.for('queuetel.pg-boss.instrumented');

/** Checks the options `instrumentPgBoss()` and `PgBossInstrumentation` take; a bad one throws naming it. */
export function checkInstrumentOptions(options: PgBossInstrumentationOptions): ResolvedOptions<PgBossJob> {
  const resolved = resolveOptions(options, ['builtInTelemetry']);
  expectBoolean('builtInTelemetry', options.builtInTelemetry);
  return resolved;
}

/**
 * Instruments one PgBoss instance in place: its job-creating calls and `work()` now record spans
 * and metrics, and its polling and maintenance queries run untraced (see `tracePolling`). Call it
 * before `start()`; code that calls the instance needs no other change.
 */
export function instrumentPgBoss(
  boss: PgBossLike,
  options: PgBossInstrumentationOptions = {},
): InstrumentedPgBoss {
  if (
    boss === null ||
    typeof boss !== 'object' ||
    typeof boss.send !== 'function' ||
    typeof boss.work !== 'function'
  ) {
    throw new QueuetelConfigError('boss', 'must be a PgBoss instance');
  }
  if ((boss as { [INSTRUMENTED]?: boolean })[INSTRUMENTED]) {
    throw new QueuetelConfigError(
      'boss',
      'is already instrumented; call uninstrument() on the first instrumentation',
    );
  }
  const resolved = checkInstrumentOptions(options);
  const builtInTelemetry = options.builtInTelemetry ?? hasBuiltInTelemetry(boss);

  // Each worked queue's retry policy, read once when work() starts rather than fetched with every job.
  const policies = new Map<string, QueuePolicy>();
  const original = (method: keyof PgBossLike): Call | undefined => {
    const fn: unknown = Reflect.get(boss, method);
    return typeof fn === 'function' ? (fn as Call).bind(boss) : undefined;
  };
  const lostAttempts = new LostAttempts(original('getJobById'));
  const telemetry = new JobTelemetry(
    resolved,
    pgBossAdapter((queue) => policies.get(queue), lostAttempts),
  );
  const fail = original('fail')!;
  const consumer: ConsumerContext = {
    telemetry,
    builtInExpected: builtInTelemetry,
    fail: (queue, id, error) => fail(queue, id, error),
    lostAttempts,
  };

  const patches = new Map<string, Call>();
  const work = original('work')!;
  const getQueue = original('getQueue');
  const attemptsWithoutMetadata = hasBuiltInTelemetry(boss);
  patches.set('work', async (name, ...args) => {
    const [first, second] = args;
    const handler = typeof first === 'function' ? first : second;
    if (typeof name !== 'string' || typeof handler !== 'function') return work(name, ...args);
    const userOptions = typeof first === 'function' ? {} : (first ?? {});
    // Attempts come with every job, wait time from the producer's stamp; retry-aware outcomes need
    // the retry limit and dead-letter queue, taken from the queue's policy once here. Fetching
    // every job's metadata instead (includeMetadata) costs the worker more than the rest of queuetel.
    // Before 12.38 a job fetched without its metadata does not even say which attempt it is.
    const needsMetadata = !attemptsWithoutMetadata;
    if (!needsMetadata && getQueue && !(userOptions as { includeMetadata?: unknown }).includeMetadata) {
      policies.set(name, await readPolicy(getQueue, name));
    }
    // The worker's fetch loop inherits the context work() runs in; the handler is traced again.
    return runUntraced(resolved.tracePolling, () =>
      work(
        name,
        needsMetadata ? { ...userOptions, includeMetadata: true } : userOptions,
        instrumentHandler(consumer, name, handler as BatchHandler<PgBossJob>),
      ),
    );
  });
  // Maintenance, monitoring, the cron clock and LISTEN all start their timers in start().
  const start = original('start');
  if (start) patches.set('start', (...args) => runUntraced(resolved.tracePolling, () => start(...args)));

  // With pg-boss's own telemetry on, pg-boss makes the send spans and carries the trace context in
  // its trace_context column; a second span from queuetel would only duplicate them.
  if (!builtInTelemetry) {
    for (const method of ['send', 'sendAfter', 'sendThrottled', 'sendDebounced'] as const) {
      const call = original(method);
      if (call) patches.set(method, instrumentSendCall(telemetry, 'send', 1, call, method === 'sendAfter'));
    }
    const upsert = original('upsert');
    if (upsert) patches.set('upsert', instrumentSendCall(telemetry, 'upsert', 1, upsert));
    // A publish fans out to however many queues subscribe, which only the database knows.
    const publish = original('publish');
    if (publish) patches.set('publish', instrumentSendCall(telemetry, 'publish', 0, publish));
    const insert = original('insert');
    if (insert) patches.set('insert', instrumentInsert(telemetry, insert));
  } else {
    // pg-boss makes the send spans; queuetel only stamps when each job becomes eligible.
    for (const method of ['send', 'sendAfter', 'sendThrottled', 'sendDebounced', 'upsert'] as const) {
      const call = original(method);
      if (call) patches.set(method, stampSendCall(call, method === 'sendAfter'));
    }
    const insert = original('insert');
    if (insert) patches.set('insert', stampInsert(insert));
  }

  const previous = new Map<string, PropertyDescriptor | undefined>();
  for (const [method, patch] of patches) {
    previous.set(method, Object.getOwnPropertyDescriptor(boss, method));
    Object.defineProperty(boss, method, { value: patch, configurable: true, writable: true });
  }
  Object.defineProperty(boss, INSTRUMENTED, { value: true, configurable: true });

  return {
    builtInTelemetry,
    eachJob: (handler) => eachJob(handler, consumer.fail),
    uninstrument() {
      for (const [method, descriptor] of previous) {
        if (descriptor) Object.defineProperty(boss, method, descriptor);
        else delete (boss as unknown as Record<string, unknown>)[method];
      }
      previous.clear();
      delete (boss as { [INSTRUMENTED]?: boolean })[INSTRUMENTED];
    },
  };
}

/** The retry limit and dead-letter queue of a queue, or nothing when they cannot be read. */
async function readPolicy(getQueue: Call, name: string): Promise<QueuePolicy> {
  try {
    const queue: unknown = await getQueue(name);
    if (queue === null || typeof queue !== 'object') return {};
    const { retryLimit, deadLetter } = queue as { retryLimit?: unknown; deadLetter?: unknown };
    return {
      retryLimit: typeof retryLimit === 'number' ? retryLimit : undefined,
      deadLetter: typeof deadLetter === 'string' && deadLetter.length > 0 ? deadLetter : undefined,
    };
  } catch {
    return {};
  }
}
