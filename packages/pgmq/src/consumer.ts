import { ROOT_CONTEXT, context, type Context, type SpanContext } from '@opentelemetry/api';
import {
  JOB_OUTCOMES,
  type Failure,
  type JobOutcome,
  type JobTelemetry,
  type QueueConsumer,
  type SpanPlan,
} from '@queuetel/core';
import { beatHeartbeat, runUntraced } from '@queuetel/core/internal';
import type { ConsumerSettings } from './consumer-options.js';
import { MaxReadsExceededError, PgmqTableLayoutError, isRowShapeMismatch } from './errors.js';
import { groupOf } from './headers.js';
import { listenForInserts, type InsertListener } from './insert-listener.js';
import { PGMQ_SYSTEM, messageVerdict } from './message-adapter.js';
import { SettleBatch } from './settle-batch.js';
import type { ConsumeErrorContext, MessageHandler, MessageId, PgmqMessage, Queryable } from './types.js';

const OWN_SPAN: SpanPlan = Object.freeze({ kind: 'own' });
/** Where the queue-health collector finds pgmq's queues: pgmq keeps them all in one schema. */
const PGMQ_SCHEMA = 'pgmq';

/**
 * The calls a consumer makes, each one instrumented by the client that implements them: it reads,
 * and settles each message by deleting, archiving, hiding it for later or moving it to another queue.
 */
export interface ConsumerClient {
  read<T>(queue: string, vt: number, qty: number): Promise<PgmqMessage<T>[]>;
  readGrouped<T>(queue: string, vt: number, qty: number, roundRobin: boolean): Promise<PgmqMessage<T>[]>;
  delete(queue: string, id: MessageId): Promise<boolean>;
  archive(queue: string, id: MessageId): Promise<boolean>;
  setVt(queue: string, id: MessageId, vt: number): Promise<unknown>;
  moveToQueue(queue: string, id: MessageId, toQueue: string): Promise<boolean>;
}

/** What a consumer uses of the client that started it. */
export interface ConsumerDeps {
  readonly client: ConsumerClient;
  /** The client's database, for the heartbeat. */
  readonly db: Queryable;
  readonly telemetry: JobTelemetry<PgmqMessage>;
  /**
   * Deletes or archives many messages of `queue` in one statement and one settle span, linked to
   * `linked` (their process spans) when there are any.
   */
  readonly settleMany: (
    queue: string,
    operation: 'delete' | 'archive',
    ids: readonly string[],
    linked: readonly SpanContext[],
  ) => Promise<unknown>;
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
  const untraced = <R>(fn: () => R): R => runUntraced(deps.telemetry.options.tracePolling, fn);
  return context.with(ROOT_CONTEXT, async () => {
    const intervalSeconds = settings.heartbeatIntervalSeconds;
    // Its timer inherits the untraced context, so every later beat is untraced too.
    const heartbeat =
      intervalSeconds === undefined
        ? undefined
        : untraced(() =>
            beatHeartbeat(
              deps.db,
              { system: PGMQ_SYSTEM, schema: PGMQ_SCHEMA, queues: [queue], intervalSeconds },
              deps.telemetry.reporter,
              `consume:${queue}:heartbeat`,
            ),
          );
    let listener: InsertListener | undefined;
    try {
      if (settings.listen) listener = await untraced(() => consumer.listen());
      await consumer.run(listener);
    } finally {
      await untraced(async () => {
        await listener?.close();
        await heartbeat?.stop();
      });
    }
  });
}

/**
 * The loop: read no more messages than there are free slots (a message waiting for a slot would
 * use up its visibility timeout), run each in its own process span, then settle it (the messages
 * that succeed at about the same time together, in one statement: {@link SettleBatch}):
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
  readonly #consumer: QueueConsumer<PgmqMessage>;
  readonly #handler: MessageHandler<T>;
  readonly #settings: ConsumerSettings;
  /** Deletes (or archives, `onSuccess`) the messages whose handlers returned. */
  readonly #successes: SettleBatch;
  readonly #running = new Set<Promise<void>>();
  /** FIFO: the last message started of each group, which the group's next one waits for. */
  readonly #groupTails = new Map<string, Promise<Outcome>>();
  /** What stopped the consumer for good: pgmq cannot work on this queue's table as it is. */
  #fatal: PgmqTableLayoutError | undefined;

  constructor(deps: ConsumerDeps, queue: string, handler: MessageHandler<T>, settings: ConsumerSettings) {
    this.#deps = deps;
    this.#queue = queue;
    this.#consumer = deps.telemetry.consumer(queue);
    this.#handler = handler;
    this.#settings = settings;
    this.#successes = new SettleBatch((ids, linked) =>
      deps.settleMany(queue, settings.onSuccess, ids, linked),
    );
  }

  /** Listens for inserts when the queue has notifications; a failure to is reported, and it polls. */
  async listen(): Promise<InsertListener | undefined> {
    try {
      return await listenForInserts(this.#deps.db, this.#queue, this.#deps.telemetry.reporter);
    } catch (error) {
      this.#report(error, 'read', undefined);
      return undefined;
    }
  }

  async run(listener: InsertListener | undefined): Promise<void> {
    const { signal, concurrency, batchSize, pollIntervalMs } = this.#settings;
    while (!signal?.aborted && !this.#fatal) {
      const free = concurrency - this.#running.size;
      if (free === 0) {
        await untilSettledOrAborted(Promise.race(this.#running), signal);
        continue;
      }
      const messages = await this.#read(Math.min(batchSize, free));
      // Read messages are already hidden from other readers: they run even if a stop came meanwhile.
      if (this.#settings.fifo === 'off') for (const message of messages) this.#start(message);
      else for (const message of inIdOrder(messages)) this.#startInGroup(message);
      if (messages.length === 0) {
        await (listener ? listener.wait(pollIntervalMs, signal) : sleep(pollIntervalMs, signal));
      }
    }
    await Promise.all(this.#running);
    // Loud, not a retry loop: consume() rejects, and its heartbeat stops, so the queue-health
    // endpoint shows the queue with messages waiting and no live consumer.
    if (this.#fatal) throw this.#fatal;
  }

  async #read(qty: number): Promise<PgmqMessage<T>[]> {
    try {
      const { client } = this.#deps;
      const { fifo, vt } = this.#settings;
      return fifo === 'off'
        ? await client.read<T>(this.#queue, vt, qty)
        : await client.readGrouped<T>(this.#queue, vt, qty, fifo === 'round-robin');
    } catch (error) {
      this.#report(this.#classify(error, 'read'), 'read', undefined);
      return [];
    }
  }

  #start(message: PgmqMessage<T>): void {
    this.#track(this.#handle(message));
  }

  /**
   * Counts `work` against concurrency until it ends. Work is written never to reject; the catch
   * makes sure, since an unobserved rejection below full concurrency would end the process.
   */
  #track(work: Promise<unknown>): void {
    const running: Promise<void> = work
      .then(ignore, (error: unknown) =>
        this.#deps.telemetry.reporter.report('consume:handle', 'a pgmq message was not settled', error),
      )
      .finally(() => {
        this.#running.delete(running);
      });
    this.#running.add(running);
  }

  /**
   * FIFO: runs the message after the one before it in its group, if that one is still running. When
   * that one failed and will be retried, this one must not overtake it: it is made visible again
   * unrun, and so is every later one of the group in this read.
   */
  #startInGroup(message: PgmqMessage<T>): void {
    const group = groupOf(message);
    const before = this.#groupTails.get(group);
    const outcome: Promise<Outcome> = (before ?? Promise.resolve<Outcome>(JOB_OUTCOMES.completed)).then(
      async (previous) => {
        if (previous !== JOB_OUTCOMES.retried) return this.#handle(message);
        await this.#release(message);
        return JOB_OUTCOMES.retried;
      },
    );
    this.#groupTails.set(group, outcome);
    this.#track(
      outcome.finally(() => {
        if (this.#groupTails.get(group) === outcome) this.#groupTails.delete(group);
      }),
    );
  }

  /** Makes a message visible again without running it (its read still counts in read_ct). */
  async #release(message: PgmqMessage<T>): Promise<void> {
    try {
      await this.#deps.client.setVt(this.#queue, message.msgId, 0);
    } catch (error) {
      this.#report(error, 'settle', message);
    }
  }

  /**
   * Handles and settles one message; resolves to what became of it. Never rejects: every failure
   * is an outcome or a report.
   */
  async #handle(message: PgmqMessage<T>): Promise<Outcome> {
    const { maxReads } = this.#settings;
    // Decided once, before the attempt: what a failure means feeds the verdict and the settle alike.
    const ifFailed = this.#ifFailed(message);
    const verdict = (_: PgmqMessage, failure: Failure | undefined) => messageVerdict(failure, ifFailed);

    let failure: Failure | undefined;
    // The process span's context, so the settle spans that follow are its children.
    let processContext: Context = ROOT_CONTEXT;
    // Known without looking at what was thrown: `instanceof` throws on a revoked proxy.
    const exceeded = message.readCount > maxReads;
    try {
      await this.#consumer.process(
        [message as PgmqMessage],
        OWN_SPAN,
        () => {
          processContext = context.active();
          if (exceeded) {
            throw new MaxReadsExceededError(this.#queue, message.msgId, message.readCount, maxReads);
          }
          this.#consumer.consumed(1);
          return this.#handler(message);
        },
        verdict,
      );
    } catch (error) {
      failure = { error };
      if (!exceeded) this.#report(error, 'handler', message);
    }
    try {
      if (!failure) await this.#successes.settle(message.msgId, processContext);
      else await context.with(processContext, () => this.#settleFailure(message, ifFailed));
    } catch (error) {
      this.#report(this.#classify(error, 'settle a message of'), 'settle', message);
    }
    return failure ? ifFailed : JOB_OUTCOMES.completed;
  }

  /** What a failure of this attempt leads to. */
  #ifFailed(message: PgmqMessage<T>): JobOutcome {
    if (message.readCount < this.#settings.maxReads) return JOB_OUTCOMES.retried;
    return this.#settings.deadLetterQueue === undefined ? JOB_OUTCOMES.failed : JOB_OUTCOMES.dead_lettered;
  }

  /** Settles a message whose handler failed (or never ran), one by one: failures are the exception. */
  async #settleFailure(message: PgmqMessage<T>, ifFailed: JobOutcome): Promise<void> {
    const { client } = this.#deps;
    const queue = this.#queue;
    const id = message.msgId;
    switch (ifFailed) {
      case JOB_OUTCOMES.retried: {
        const seconds = this.#backoff(message.readCount);
        if (seconds !== undefined) await client.setVt(queue, id, seconds);
        return;
      }
      default: {
        // dead_lettered exactly when there is a dead-letter queue; failed (archived) otherwise.
        const deadLetterQueue = this.#settings.deadLetterQueue;
        if (deadLetterQueue === undefined) await client.archive(queue, id);
        else await client.moveToQueue(queue, id, deadLetterQueue);
      }
    }
  }

  /** Turns pgmq's failure on an upgraded table into the error that stops the consumer. */
  #classify(error: unknown, operation: string): unknown {
    if (!isRowShapeMismatch(error)) return error;
    this.#fatal ??= new PgmqTableLayoutError(this.#queue, operation, error);
    return this.#fatal;
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

type Outcome = JobOutcome;

function ignore(): void {}

/** A read's messages by id, oldest first: pgmq does not promise the order of the rows it returns. */
function inIdOrder<T>(messages: readonly PgmqMessage<T>[]): PgmqMessage<T>[] {
  return [...messages].sort((a, b) => {
    const x = BigInt(a.msgId);
    const y = BigInt(b.msgId);
    return x < y ? -1 : x > y ? 1 : 0;
  });
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
