import type { SpanContext } from '@opentelemetry/api';
import { JobTelemetry, QueuetelConfigError, resolveOptions, type OperationSummary } from '@queuetel/core';
import { extractCarrier, runUntraced, typeName } from '@queuetel/core/internal';
import { resolveConsumeOptions, type ConsumerSettings } from './consumer-options.js';
import { runConsumer } from './consumer.js';
import { carrierOf, withTraceContext } from './headers.js';
import { createPgmqAdapter, waitSecondsOf, type MessageNotes } from './message-adapter.js';
import { OPERATION } from './operations.js';
import { detectPgmq, requireFeature, type Feature, type PgmqInstall } from './features.js';
import { withClientDefaults } from './sdk-defaults.js';
import { SQL, json, run, toMessage, toQueueInfo, toQueueStats } from './sql.js';
import type {
  ConsumeOptions,
  MessageHandler,
  MessageId,
  PgmqMessage,
  PgmqOptions,
  Queryable,
  QueueInfo,
  QueueStats,
  SendBatchOptions,
  SendOptions,
} from './types.js';

/** What a client and every client made from it with `using()` share: telemetry, and the pgmq found. */
class Instrumentation {
  readonly notes: MessageNotes = new WeakMap();
  readonly telemetry: JobTelemetry<PgmqMessage>;
  #install: Promise<PgmqInstall> | undefined;

  constructor(options: PgmqOptions | undefined) {
    this.telemetry = new JobTelemetry(
      resolveOptions(withClientDefaults(options)),
      createPgmqAdapter(this.notes),
    );
  }

  /** The installed pgmq, looked up once; a failed lookup is tried again next time. */
  install(db: Queryable): Promise<PgmqInstall> {
    this.#install ??= detectPgmq(db).catch((error: unknown) => {
      this.#install = undefined;
      throw error;
    });
    return this.#install;
  }
}

/**
 * A thin typed client for pgmq's SQL API over node-postgres, instrumented with OpenTelemetry:
 * `send {queue}` PRODUCER spans that merge the trace context into the message headers,
 * `receive {queue}` CLIENT spans for reads that return messages (an empty poll is a metric only),
 * `archive` / `delete` / `set_vt` settle spans, and {@link consume}, a worker loop with
 * `process {queue}` CONSUMER spans and per-message job metrics.
 *
 * Errors from Postgres are rethrown as the same object, with the queue name added as `error.queue`.
 */
export class PgmqClient {
  readonly #db: Queryable;
  readonly #instrumentation: Instrumentation;
  /** Whether this client's reads are a consumer's polls, whose queries run untraced. */
  #polls = false;

  /**
   * @param db a `pg.Pool` (or any client with node-postgres's `query(text, values)`)
   * @param options queuetel's instrumentation options, checked here
   */
  constructor(db: Queryable, options?: PgmqOptions);
  constructor(db: Queryable, options?: PgmqOptions | Instrumentation) {
    if (db === null || typeof db !== 'object' || typeof (db as Partial<Queryable>).query !== 'function') {
      throw new QueuetelConfigError(
        'db',
        `must be a pg Pool or client with a query() method, got ${typeName(db)}`,
      );
    }
    this.#db = db;
    this.#instrumentation = options instanceof Instrumentation ? options : new Instrumentation(options);
  }

  /**
   * The same client, running its statements on `db`: typically a client checked out of the pool
   * inside the caller's transaction, so that a send commits or rolls back with the caller's writes.
   */
  using(db: Queryable): PgmqClient {
    return new PgmqClient(db, this.#instrumentation as PgmqOptions);
  }

  // --- queues --------------------------------------------------------------------------------

  /** `pgmq.create`: the queue table `pgmq.q_<queue>` and its archive `pgmq.a_<queue>`. */
  async create(queue: string): Promise<void> {
    await run(this.#db, queue, SQL.create, [queue]);
  }

  /** `pgmq.create_unlogged`: faster, but the messages do not survive a crash of the server. */
  async createUnlogged(queue: string): Promise<void> {
    await run(this.#db, queue, SQL.createUnlogged, [queue]);
  }

  /** `pgmq.drop_queue`: false when there was no such queue. */
  async dropQueue(queue: string): Promise<boolean> {
    const rows = await run(this.#db, queue, SQL.dropQueue, [queue]);
    return rows[0]?.dropped === true;
  }

  /** `pgmq.purge_queue`: deletes every message, and says how many there were. */
  async purgeQueue(queue: string): Promise<number> {
    const rows = await run(this.#db, queue, SQL.purgeQueue, [queue]);
    return Number(rows[0]?.purged ?? 0);
  }

  /** `pgmq.list_queues`. */
  async listQueues(): Promise<QueueInfo[]> {
    return (await run(this.#db, undefined, SQL.listQueues, [])).map(toQueueInfo);
  }

  // --- sending -------------------------------------------------------------------------------

  /** `pgmq.send`, in a `send {queue}` span; resolves to the new message's id. */
  async send<T = unknown>(queue: string, message: T, options: SendOptions = {}): Promise<string> {
    const delay = checkDelay('delay', options.delay);
    return this.#instrumentation.telemetry.send(
      queue,
      OPERATION.send,
      1,
      async (carrier) => {
        const rows = await run(
          this.#db,
          queue,
          typeof delay === 'number' ? SQL.sendAfterSeconds : SQL.sendAt,
          [queue, json(message), json(withTraceContext(options.headers, carrier)), delay],
        );
        return String(rows[0]?.msg_id);
      },
      (id) => id,
    );
  }

  /**
   * `pgmq.send_batch`: one statement and one `send {queue}` span with
   * `messaging.batch.message_count`; resolves to the ids in the order of `messages`.
   */
  async sendBatch<T = unknown>(
    queue: string,
    messages: readonly T[],
    options: SendBatchOptions = {},
  ): Promise<string[]> {
    if (!Array.isArray(messages)) {
      throw new TypeError(`pgmq sendBatch: 'messages' must be an array, got ${typeName(messages)}`);
    }
    const headers = options.headers;
    checkBatchHeaders(headers, messages.length);
    const delay = checkDelay('delay', options.delay);
    if (messages.length === 0) return [];
    return this.#instrumentation.telemetry.send(queue, OPERATION.send, messages.length, async (carrier) => {
      const headerValues =
        headers || carrier ? messages.map((_, i) => json(withTraceContext(headers?.[i], carrier))) : null;
      const rows = await run(
        this.#db,
        queue,
        typeof delay === 'number' ? SQL.sendBatchAfterSeconds : SQL.sendBatchAt,
        [queue, messages.map((message) => json(message)), headerValues, delay],
      );
      return rows.map((row) => String(row.msg_id));
    });
  }

  // --- reading -------------------------------------------------------------------------------

  /**
   * `pgmq.read`: up to `qty` messages, each hidden from other readers for `vt` seconds.
   * `conditional`, a JSON object, keeps only messages whose payload contains it.
   */
  async read<T = unknown>(
    queue: string,
    vt: number,
    qty = 1,
    conditional?: Record<string, unknown>,
  ): Promise<PgmqMessage<T>[]> {
    return this.#receive<T>(queue, vt, SQL.read, [queue, vt, qty, checkConditional(conditional)]);
  }

  /** `pgmq.read_with_poll`: as `read`, but waits up to `maxPollSeconds` for messages to arrive. */
  async readWithPoll<T = unknown>(
    queue: string,
    vt: number,
    qty = 1,
    maxPollSeconds = 5,
    pollIntervalMs = 100,
    conditional?: Record<string, unknown>,
  ): Promise<PgmqMessage<T>[]> {
    return this.#receive<T>(queue, vt, SQL.readWithPoll, [
      queue,
      vt,
      qty,
      maxPollSeconds,
      pollIntervalMs,
      checkConditional(conditional),
    ]);
  }

  /**
   * pgmq's FIFO reads (`read_grouped`, pgmq 1.8; `read_grouped_rr` with `roundRobin`, 1.9): only
   * from groups (`x-pgmq-group` header) none of whose messages is in flight, oldest first within
   * each. `read_grouped` fills the batch from one group before the next; round robin takes one from
   * each group in turn.
   */
  async readGrouped<T = unknown>(
    queue: string,
    vt: number,
    qty = 1,
    roundRobin = false,
  ): Promise<PgmqMessage<T>[]> {
    await this.#require(
      roundRobin ? 'groupedRoundRobin' : 'grouped',
      roundRobin ? 'roundRobin' : 'readGrouped',
    );
    return this.#receive<T>(queue, vt, roundRobin ? SQL.readGroupedRoundRobin : SQL.readGrouped, [
      queue,
      vt,
      qty,
    ]);
  }

  /**
   * `pgmq.pop`: reads and deletes in one step (at most once). `qty` needs pgmq 1.7 or later;
   * without it one message is popped, on every version.
   */
  async pop<T = unknown>(queue: string, qty?: number): Promise<PgmqMessage<T>[]> {
    if (qty === undefined) return this.#receive<T>(queue, undefined, SQL.pop, [queue]);
    await this.#require('popMany', 'qty');
    return this.#receive<T>(queue, undefined, SQL.popMany, [queue, qty]);
  }

  // --- settling ------------------------------------------------------------------------------

  /** `pgmq.archive` of one message (true when it was there) or of many (the ids archived). */
  archive(queue: string, id: MessageId): Promise<boolean>;
  archive(queue: string, ids: readonly MessageId[]): Promise<string[]>;
  async archive(queue: string, ids: MessageId | readonly MessageId[]): Promise<boolean | string[]> {
    return this.#settle(queue, OPERATION.archive, ids, SQL.archiveOne, SQL.archiveMany);
  }

  /** `pgmq.delete` of one message (true when it was there) or of many (the ids deleted). */
  delete(queue: string, id: MessageId): Promise<boolean>;
  delete(queue: string, ids: readonly MessageId[]): Promise<string[]>;
  async delete(queue: string, ids: MessageId | readonly MessageId[]): Promise<boolean | string[]> {
    return this.#settle(queue, OPERATION.delete, ids, SQL.deleteOne, SQL.deleteMany);
  }

  /**
   * Moves a message to another queue (a dead-letter queue, say), payload and headers as stored, in
   * one statement: it is never in both queues or in neither. False when the message was gone.
   * It goes through `set_vt`, the one pgmq function that returns a message by id.
   */
  async moveToQueue(queue: string, id: MessageId, toQueue: string): Promise<boolean> {
    const messageId = String(id);
    return this.#instrumentation.telemetry.operation(
      queue,
      OPERATION.move,
      'settle',
      async () => (await run(this.#db, queue, SQL.moveToQueue, [queue, messageId, toQueue])).length > 0,
      (moved) => ({ messageCount: moved ? 1 : 0, messageId }),
    );
  }

  /**
   * `pgmq.set_vt`: the message becomes visible `vt` seconds from now, or at `vt` when it is a Date
   * (pgmq 1.10); resolves to it, or undefined when it is gone. Given many ids (pgmq 1.8), resolves
   * to the messages found.
   */
  setVt<T = unknown>(queue: string, id: MessageId, vt: number | Date): Promise<PgmqMessage<T> | undefined>;
  setVt<T = unknown>(queue: string, ids: readonly MessageId[], vt: number | Date): Promise<PgmqMessage<T>[]>;
  async setVt<T = unknown>(
    queue: string,
    ids: MessageId | readonly MessageId[],
    vt: number | Date,
  ): Promise<PgmqMessage<T> | undefined | PgmqMessage<T>[]> {
    const at = vt instanceof Date;
    const many = Array.isArray(ids);
    if (at) await this.#require('setVtAt', 'vt');
    if (many) await this.#require('setVtMany', 'ids');
    const value = many ? (ids as readonly MessageId[]).map(String) : String(ids);
    const text = many ? (at ? SQL.setVtManyAt : SQL.setVtMany) : at ? SQL.setVtAt : SQL.setVt;
    const messages = await this.#instrumentation.telemetry.operation(
      queue,
      OPERATION.setVt,
      'settle',
      async () => (await run(this.#db, queue, text, [queue, value, vt])).map((row) => toMessage<T>(row)),
      (found): OperationSummary => ({ messageCount: found.length, messageId: found[0]?.msgId }),
    );
    return many ? messages : messages[0];
  }

  // --- insert notifications --------------------------------------------------------------------

  /**
   * `pgmq.enable_notify_insert` (pgmq 1.7; `throttleMs`, the least time between two notifications,
   * from 1.8): a consumer of the queue then wakes as soon as a message is sent, rather than at its
   * next poll.
   */
  async enableNotifyInsert(queue: string, throttleMs?: number): Promise<void> {
    await this.#require('notifyInsert', 'enableNotifyInsert');
    if (throttleMs !== undefined) await this.#require('notifyThrottle', 'throttleMs');
    if (throttleMs === undefined) await run(this.#db, queue, SQL.enableNotifyInsert, [queue]);
    else await run(this.#db, queue, SQL.enableNotifyInsertThrottled, [queue, throttleMs]);
  }

  /** `pgmq.disable_notify_insert`. */
  async disableNotifyInsert(queue: string): Promise<void> {
    await this.#require('notifyInsert', 'disableNotifyInsert');
    await run(this.#db, queue, SQL.disableNotifyInsert, [queue]);
  }

  // --- topics (pgmq 1.11) ---------------------------------------------------------------------

  /** `pgmq.bind_topic`: messages sent with a routing key matching `pattern` go to `queue` too. */
  async bindTopic(pattern: string, queue: string): Promise<void> {
    await this.#require('topics', 'bindTopic');
    await run(this.#db, queue, SQL.bindTopic, [pattern, queue]);
  }

  /** `pgmq.unbind_topic`: false when there was no such binding. */
  async unbindTopic(pattern: string, queue: string): Promise<boolean> {
    await this.#require('topics', 'unbindTopic');
    return (await run(this.#db, queue, SQL.unbindTopic, [pattern, queue]))[0]?.done === true;
  }

  /**
   * `pgmq.send_topic`, in one `send {routingKey}` span whose trace context every delivered copy
   * carries in its headers; resolves to how many queues received the message.
   */
  async sendTopic<T = unknown>(routingKey: string, message: T, options: SendOptions = {}): Promise<number> {
    await this.#require('topics', 'sendTopic');
    const delay = checkTopicDelay(options.delay);
    return this.#instrumentation.telemetry.send(routingKey, OPERATION.send, 1, async (carrier) => {
      const rows = await run(this.#db, routingKey, SQL.sendTopic, [
        routingKey,
        json(message),
        json(withTraceContext(options.headers, carrier)),
        delay,
      ]);
      return Number(rows[0]?.queues ?? 0);
    });
  }

  /**
   * `pgmq.send_batch_topic`: one statement and one `send {routingKey}` span; resolves to each copy
   * delivered, as `{ queueName, msgId }`.
   */
  async sendBatchTopic<T = unknown>(
    routingKey: string,
    messages: readonly T[],
    options: SendBatchOptions = {},
  ): Promise<{ queueName: string; msgId: string }[]> {
    await this.#require('topics', 'sendBatchTopic');
    if (!Array.isArray(messages)) {
      throw new TypeError(`pgmq sendBatchTopic: 'messages' must be an array, got ${typeName(messages)}`);
    }
    const headers = options.headers;
    checkBatchHeaders(headers, messages.length);
    const delay = checkTopicDelay(options.delay);
    if (messages.length === 0) return [];
    return this.#instrumentation.telemetry.send(
      routingKey,
      OPERATION.send,
      messages.length,
      async (carrier) => {
        const headerValues =
          headers || carrier ? messages.map((_, i) => json(withTraceContext(headers?.[i], carrier))) : null;
        const rows = await run(this.#db, routingKey, SQL.sendBatchTopic, [
          routingKey,
          messages.map((message) => json(message)),
          headerValues,
          delay,
        ]);
        return rows.map((row) => ({ queueName: String(row.queue_name), msgId: String(row.msg_id) }));
      },
    );
  }

  // --- stats ---------------------------------------------------------------------------------

  /** `pgmq.metrics`: counts the queue table, so it costs a scan of it. */
  async metrics(queue: string): Promise<QueueStats> {
    const rows = await run(this.#db, queue, SQL.metrics, [queue]);
    return toQueueStats(rows[0] ?? { queue_name: queue });
  }

  /** `pgmq.metrics_all`: one row per queue. */
  async metricsAll(): Promise<QueueStats[]> {
    return (await run(this.#db, undefined, SQL.metricsAll, [])).map(toQueueStats);
  }

  // --- consuming -----------------------------------------------------------------------------

  /**
   * Runs `handler` on every message of `queue` until `options.signal` aborts, then finishes the
   * messages in flight and resolves. See {@link ConsumeOptions} for batching, concurrency,
   * settling, backoff and dead-lettering. The options are checked here: a bad one throws a
   * `QueuetelConfigError` naming it, before anything is read.
   */
  consume<T = unknown>(
    queue: string,
    handler: MessageHandler<T>,
    options: ConsumeOptions = {},
  ): Promise<void> {
    const settings = resolveConsumeOptions(queue, handler, options);
    return this.#consume(queue, handler, settings);
  }

  async #consume<T>(queue: string, handler: MessageHandler<T>, settings: ConsumerSettings): Promise<void> {
    if (settings.fifo !== 'off') {
      await this.#require(settings.fifo === 'round-robin' ? 'groupedRoundRobin' : 'grouped', 'fifo');
    }
    // The consumer's reads, LISTEN and heartbeat run untraced: polling an idle queue makes no spans.
    // Its process spans and what happens under them (the handler, the settle calls) are traced.
    const polling = new PgmqClient(this.#db, this.#instrumentation as PgmqOptions);
    polling.#polls = true;
    return runConsumer(
      {
        client: polling,
        db: this.#db,
        telemetry: this.#instrumentation.telemetry,
        settleMany: (queue, operation, ids, linked) =>
          this.#settle(
            queue,
            OPERATION[operation],
            ids,
            SQL[`${operation}One`],
            SQL[`${operation}Many`],
            linked,
          ),
      },
      queue,
      handler,
      settings,
    );
  }

  /** Refuses `option` when the installed pgmq cannot honour it. */
  async #require(feature: Feature, option: string): Promise<void> {
    requireFeature(await this.#instrumentation.install(this.#db), feature, option);
  }

  async #receive<T>(
    queue: string,
    vtSeconds: number | undefined,
    text: string,
    values: unknown[],
  ): Promise<PgmqMessage<T>[]> {
    const { telemetry, notes } = this.#instrumentation;
    const { tracing, producerRelationship, propagator } = telemetry.options;
    // Once per message, here: the receive span links to the producers, the process span follows them.
    const extractProducer = tracing && producerRelationship !== 'none';
    return telemetry.operation(
      queue,
      OPERATION.receive,
      'receive',
      async () => {
        const query = () => run(this.#db, queue, text, values);
        // Only the query: the receive span of a poll that found messages is kept.
        const rows = await (this.#polls ? runUntraced(telemetry.options.tracePolling, query) : query());
        return rows.map((row) => {
          const message = toMessage<T>(row);
          notes.set(message, {
            waitSeconds: vtSeconds === undefined ? undefined : waitSecondsOf(message, vtSeconds),
            producer: extractProducer ? extractCarrier(carrierOf(message), propagator) : undefined,
          });
          return message;
        });
      },
      (messages) => ({
        messageCount: messages.length,
        messageId: messages[0]?.msgId,
        producers: messages.map((message) => notes.get(message)?.producer),
      }),
    );
  }

  async #settle(
    queue: string,
    operation: string,
    ids: MessageId | readonly MessageId[],
    one: string,
    many: string,
    linked?: readonly SpanContext[],
  ): Promise<boolean | string[]> {
    const { telemetry } = this.#instrumentation;
    if (Array.isArray(ids)) {
      const list = (ids as readonly MessageId[]).map(String);
      const query = () => run(this.#db, queue, many, [queue, list]);
      return telemetry.operation(
        queue,
        operation,
        'settle',
        // A consumer's settle of several messages runs outside any process span: its query would be
        // a trace of its own in a database instrumentation, so it runs untraced, as polls do. Its
        // settle span is made after the query, outside that, and links to the process spans.
        async () =>
          (await (linked?.length ? runUntraced(telemetry.options.tracePolling, query) : query())).map((row) =>
            String(row.msg_id),
          ),
        (done): OperationSummary => ({ messageCount: done.length, messageId: done[0], linked }),
      );
    }
    const id = String(ids);
    return telemetry.operation(
      queue,
      operation,
      'settle',
      async () => (await run(this.#db, queue, one, [queue, id]))[0]?.done === true,
      (done): OperationSummary => ({ messageCount: done ? 1 : 0, messageId: id }),
    );
  }
}

/** pgmq pads the shorter of the two arrays with nulls, which would send messages without a payload. */
function checkBatchHeaders(headers: unknown, messageCount: number): void {
  if (headers === undefined) return;
  if (!Array.isArray(headers) || headers.length !== messageCount) {
    throw new TypeError(
      `pgmq sendBatch: 'headers' must have one entry per message (${messageCount}), got ${
        Array.isArray(headers) ? `${headers.length} entries` : typeName(headers)
      }`,
    );
  }
}

/** A conditional read's filter: a JSON object the payload must contain. */
function checkConditional(conditional: unknown): string | null {
  if (conditional === undefined) return null;
  if (conditional === null || typeof conditional !== 'object' || Array.isArray(conditional)) {
    throw new TypeError(`pgmq read: 'conditional' must be a JSON object, got ${typeName(conditional)}`);
  }
  return json(conditional);
}

/** pgmq's topic sends take their delay as whole seconds only. */
function checkTopicDelay(delay: number | Date | undefined): number {
  const checked = checkDelay('delay', delay);
  if (typeof checked === 'number') return checked;
  throw new TypeError(`pgmq topic send: 'delay' must be whole seconds (0 or more), got a Date`);
}

/** pgmq takes a delay as whole seconds or as a time; anything else would fail in SQL, less clearly. */
function checkDelay(field: string, delay: number | Date | undefined): number | Date {
  if (delay === undefined) return 0;
  if (delay instanceof Date && !Number.isNaN(delay.getTime())) return delay;
  if (typeof delay === 'number' && Number.isInteger(delay) && delay >= 0) return delay;
  throw new TypeError(
    `pgmq: '${field}' must be whole seconds (0 or more) or a valid Date, got ${typeName(delay)}`,
  );
}
