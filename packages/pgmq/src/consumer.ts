import { ROOT_CONTEXT, context, type Context } from '@opentelemetry/api';
import { beatHeartbeat, type Failure, type JobTelemetry, type SpanPlan } from '@queuetel/core';
import type { PgmqClient } from './client.js';
import type { ConsumerSettings } from './consumer-options.js';
import { MaxReadsExceededError } from './errors.js';
import { PGMQ_SYSTEM, type MessageNotes } from './message-adapter.js';
import { OPERATION } from './operations.js';
import { SQL, run } from './sql.js';
import type { ConsumeErrorContext, MessageHandler, PgmqMessage, Queryable } from './types.js';

const OWN_SPAN: SpanPlan = Object.freeze({ kind: 'own' });
/** Where the queue-health collector finds pgmq's queues: pgmq keeps them all in one schema. */
const PGMQ_SCHEMA = 'pgmq';

/** What a consumer uses of the client that started it. */
export interface ConsumerDeps {
  readonly client: PgmqClient;
  readonly db: Queryable;
  readonly telemetry: JobTelemetry<PgmqMessage>;
  readonly notes: MessageNotes;
}

/**
 * Runs a consumer until its signal aborts and every message it read is handled and settled. It runs
 * in the root context: a worker loop is started from wherever the application set it up, and its
 * receive spans have nothing to do with that.
 *
 * Unless told not to, it announces itself with a heartbeat for as long as it runs, so the
 * queue-health collector counts a live worker of the queue; the heartbeat is marked stopped before
 * the returned promise resolves, so the count drops at once.
 */
export function runConsumer<T>(
  deps: ConsumerDeps,
  queue: string,
  handler: MessageHandler<T>,
  settings: ConsumerSettings,
): Promise<void> {
  const consumer = new Consumer(deps, queue, handler, settings);
  return context.with(ROOT_CONTEXT, async () => {
    const intervalSeconds = settings.heartbeatIntervalSeconds;
    const heartbeat =
      intervalSeconds === undefined
        ? undefined
        : beatHeartbeat(
            deps.db,
            { system: PGMQ_SYSTEM, schema: PGMQ_SCHEMA, queues: [queue], intervalSeconds },
            deps.telemetry.reporter,
            `consume:${queue}:heartbeat`,
          );
    try {
      await consumer.run();
    } finally {
      await heartbeat?.stop();
    }
  });
}

/**
 * The loop: read no more messages than there are free slots (a message waiting for a slot would
 * use up its visibility timeout), run each in its own process span, then settle it:
 *
 * | the handler                        | the message                                                   | outcome         |
 * | ---------------------------------- | ------------------------------------------------------------- | --------------- |
 * | returned                           | deleted, or archived (`onSuccess`)                            | `completed`     |
 * | threw, reads left                  | visible again after `backoff` (set_vt), or when its vt ends   | `retried`       |
 * | threw on read `maxReads`           | moved to `deadLetterQueue`, or archived when there is none     | `dead_lettered` / `failed` |
 * | never ran: read past `maxReads`    | as above, with `MaxReadsExceededError`                         | `dead_lettered` / `failed` |
 */
class Consumer<T> {
  readonly #deps: ConsumerDeps;
  readonly #queue: string;
  readonly #handler: MessageHandler<T>;
  readonly #settings: ConsumerSettings;
  readonly #running = new Set<Promise<void>>();

  constructor(deps: ConsumerDeps, queue: string, handler: MessageHandler<T>, settings: ConsumerSettings) {
    this.#deps = deps;
    this.#queue = queue;
    this.#handler = handler;
    this.#settings = settings;
  }

  async run(): Promise<void> {
    const { signal, concurrency, batchSize, pollIntervalMs } = this.#settings;
    while (!signal?.aborted) {
      const free = concurrency - this.#running.size;
      if (free === 0) {
        await untilSettledOrAborted(Promise.race(this.#running), signal);
        continue;
      }
      const messages = await this.#read(Math.min(batchSize, free));
      // Read messages are already hidden from other readers: they run even if a stop came meanwhile.
      for (const message of messages) this.#start(message);
      if (messages.length === 0) await sleep(pollIntervalMs, signal);
    }
    await Promise.all(this.#running);
  }

  async #read(qty: number): Promise<PgmqMessage<T>[]> {
    try {
      return await this.#deps.client.read<T>(this.#queue, this.#settings.vt, qty);
    } catch (error) {
      this.#report(error, 'read', undefined);
      return [];
    }
  }

  #start(message: PgmqMessage<T>): void {
    // #handle is written never to reject; the catch makes sure, since an unobserved rejection below
    // full concurrency would end the process.
    const running: Promise<void> = this.#handle(message)
      .catch((error: unknown) =>
        this.#deps.telemetry.reporter.report('consume:handle', 'a pgmq message was not settled', error),
      )
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  /** Handles and settles one message. Never rejects: every failure is an outcome or a report. */
  async #handle(message: PgmqMessage<T>): Promise<void> {
    const { maxReads, deadLetterQueue } = this.#settings;
    const { telemetry, notes } = this.#deps;
    const note = notes.get(message) ?? { waitSeconds: undefined };
    note.lastAttempt = message.readCount >= maxReads;
    note.deadLetter = deadLetterQueue !== undefined;
    notes.set(message, note);

    let failure: Failure | undefined;
    // The process span's context, so the settle spans that follow are its children.
    let processContext: Context = ROOT_CONTEXT;
    // Known without looking at what was thrown: `instanceof` throws on a revoked proxy.
    const exceeded = message.readCount > maxReads;
    try {
      await telemetry.process(this.#queue, [message as PgmqMessage], OWN_SPAN, () => {
        processContext = context.active();
        if (exceeded)
          throw new MaxReadsExceededError(this.#queue, message.msgId, message.readCount, maxReads);
        telemetry.queue(this.#queue).consumed().add(1);
        return this.#handler(message);
      });
    } catch (error) {
      failure = { error };
      if (!exceeded) this.#report(error, 'handler', message);
    }
    try {
      await context.with(processContext, () => this.#settle(message, failure));
    } catch (error) {
      this.#report(error, 'settle', message);
    }
  }

  async #settle(message: PgmqMessage<T>, failure: Failure | undefined): Promise<void> {
    const { client } = this.#deps;
    const queue = this.#queue;
    const id = message.msgId;
    if (!failure) {
      if (this.#settings.onSuccess === 'archive') await client.archive(queue, id);
      else await client.delete(queue, id);
      return;
    }
    if (message.readCount < this.#settings.maxReads) {
      const seconds = this.#backoff(message.readCount);
      if (seconds !== undefined) await client.setVt(queue, id, seconds);
      return;
    }
    const deadLetterQueue = this.#settings.deadLetterQueue;
    if (deadLetterQueue === undefined) await client.archive(queue, id);
    else await this.#moveToDeadLetter(id, deadLetterQueue);
  }

  /** Moves the message, payload and headers as stored, in one statement: never in both queues or neither. */
  #moveToDeadLetter(id: string, deadLetterQueue: string): Promise<boolean> {
    const { telemetry, db } = this.#deps;
    return telemetry.operation(
      this.#queue,
      OPERATION.deadLetter,
      'settle',
      async () =>
        (await run(db, this.#queue, SQL.moveToQueue, [this.#queue, id, deadLetterQueue, this.#settings.vt]))
          .length > 0,
      (moved) => ({ messageCount: moved ? 1 : 0, messageId: id }),
    );
  }

  /** Seconds until a failed message is visible again, or undefined to leave its vt as it is. */
  #backoff(attempt: number): number | undefined {
    const backoff = this.#settings.backoff;
    if (typeof backoff !== 'function') return backoff;
    try {
      const seconds = backoff(attempt);
      if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
      this.#deps.telemetry.reporter.report(
        `consume:${this.#queue}:backoff`,
        `the backoff of the pgmq consumer of '${this.#queue}' returned ${String(seconds)}, not seconds; the message keeps its vt`,
      );
    } catch (error) {
      this.#deps.telemetry.reporter.report(
        `consume:${this.#queue}:backoff`,
        `the backoff of the pgmq consumer of '${this.#queue}' threw; the message keeps its vt`,
        error,
      );
    }
    return undefined;
  }

  #report(error: unknown, phase: ConsumeErrorContext['phase'], message: PgmqMessage<T> | undefined): void {
    const { onError } = this.#settings;
    const { reporter } = this.#deps.telemetry;
    if (!onError) {
      // A handler's error is already on its span and in the outcome metrics.
      if (phase !== 'handler') {
        reporter.report(
          `consume:${this.#queue}:${phase}`,
          `the pgmq consumer of '${this.#queue}' could not ${phase}`,
          error,
        );
      }
      return;
    }
    try {
      onError(error, { queue: this.#queue, phase, message: message });
    } catch (thrown) {
      reporter.report(`consume:${this.#queue}:onError`, 'an onError callback threw; it was ignored', thrown);
    }
  }
}

/** Resolves once `promise` settles or `signal` aborts, and leaves no listener behind either way. */
function untilSettledOrAborted(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      signal?.removeEventListener('abort', done);
      resolve();
    };
    signal?.addEventListener('abort', done);
    promise.then(done, done);
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return untilSettledOrAborted(elapsed, signal).finally(() => clearTimeout(timer));
}
