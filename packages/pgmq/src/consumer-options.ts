import { QueuetelConfigError } from '@queuetel/core';
import {
  expectBoolean,
  expectFunction,
  expectKnownKeys,
  expectOneOf,
  expectWholeNumber,
  typeName,
} from '@queuetel/core/internal';
import type { ConsumeOptions, MessageHandler } from './types.js';

/** A consumer's options, checked, with the defaults filled in. */
export interface ConsumerSettings {
  readonly signal: AbortSignal | undefined;
  readonly vt: number;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly onSuccess: 'delete' | 'archive';
  readonly maxReads: number;
  readonly deadLetterQueue: string | undefined;
  readonly backoff: ConsumeOptions['backoff'];
  readonly onError: ConsumeOptions['onError'];
  /** FIFO reads: off, `read_grouped` (fill from one group), or `read_grouped_rr` (groups in turn). */
  readonly fifo: 'off' | 'grouped' | 'round-robin';
  /** Wake on pgmq's insert notifications when the queue has them enabled. */
  readonly listen: boolean;
  /** Seconds between heartbeats, or undefined when the consumer does not announce itself. */
  readonly heartbeatIntervalSeconds: number | undefined;
}

const KEYS: readonly (keyof ConsumeOptions)[] = [
  'signal',
  'vt',
  'concurrency',
  'batchSize',
  'pollIntervalMs',
  'onSuccess',
  'maxReads',
  'deadLetterQueue',
  'backoff',
  'onError',
  'heartbeat',
  'heartbeatIntervalSeconds',
  'fifo',
  'listen',
];

/** pgmq's own limit: a longer name does not fit the identifiers it derives from it. */
const MAX_QUEUE_NAME = 47;
const WEEK_SECONDS = 7 * 24 * 3600;

/** Checks `consume()`'s arguments once, before anything is read; a bad one names itself. */
export function resolveConsumeOptions<T>(
  queue: unknown,
  handler: MessageHandler<T>,
  options: ConsumeOptions | undefined,
): ConsumerSettings {
  expectQueueName('queue', queue);
  if (typeof handler !== 'function') {
    throw new QueuetelConfigError('handler', `must be a function of one message, got ${typeName(handler)}`);
  }
  if (options === undefined) options = {};
  expectKnownKeys(undefined, options, KEYS, 'consume option');
  const o = options;
  if (
    o.signal !== undefined &&
    (o.signal === null ||
      typeof o.signal.aborted !== 'boolean' ||
      typeof o.signal.addEventListener !== 'function')
  ) {
    throw new QueuetelConfigError('signal', `must be an AbortSignal, got ${typeName(o.signal)}`);
  }
  expectWholeNumber('vt', o.vt, 1, WEEK_SECONDS);
  expectWholeNumber('concurrency', o.concurrency, 1, 1000);
  const concurrency = o.concurrency ?? 1;
  expectWholeNumber('batchSize', o.batchSize, 1, 1000);
  if (o.batchSize !== undefined && o.batchSize > concurrency) {
    // A message read with no free slot would sit out part of its visibility timeout, unprocessed.
    throw new QueuetelConfigError(
      'batchSize',
      `must not exceed concurrency (${concurrency}), got ${o.batchSize}; raise concurrency to read bigger batches`,
    );
  }
  expectWholeNumber('pollIntervalMs', o.pollIntervalMs, 1, 3_600_000);
  expectOneOf('onSuccess', o.onSuccess, ['delete', 'archive']);
  expectWholeNumber('maxReads', o.maxReads, 1, 1_000_000);
  if (o.deadLetterQueue !== undefined) {
    expectQueueName('deadLetterQueue', o.deadLetterQueue);
    if (o.deadLetterQueue === queue) {
      throw new QueuetelConfigError('deadLetterQueue', 'must be another queue than the one consumed');
    }
  }
  const backoff: unknown = o.backoff;
  if (
    backoff !== undefined &&
    typeof backoff !== 'function' &&
    !(typeof backoff === 'number' && Number.isInteger(backoff) && backoff >= 0 && backoff <= WEEK_SECONDS)
  ) {
    throw new QueuetelConfigError(
      'backoff',
      `must be whole seconds from 0 to ${WEEK_SECONDS} or a function of the attempt, got ${typeName(backoff)}`,
    );
  }
  expectFunction('onError', o.onError);
  if (o.fifo !== undefined && typeof o.fifo !== 'boolean' && o.fifo !== 'round-robin') {
    throw new QueuetelConfigError('fifo', `must be true, false or 'round-robin', got ${typeName(o.fifo)}`);
  }
  expectBoolean('listen', o.listen);
  expectBoolean('heartbeat', o.heartbeat);
  expectWholeNumber('heartbeatIntervalSeconds', o.heartbeatIntervalSeconds, 1, 3600);

  return {
    signal: o.signal,
    vt: o.vt ?? 30,
    concurrency,
    batchSize: o.batchSize ?? concurrency,
    pollIntervalMs: o.pollIntervalMs ?? 1000,
    onSuccess: o.onSuccess ?? 'delete',
    maxReads: o.maxReads ?? 5,
    deadLetterQueue: o.deadLetterQueue,
    backoff: o.backoff,
    onError: o.onError,
    fifo: o.fifo === 'round-robin' ? 'round-robin' : o.fifo === true ? 'grouped' : 'off',
    listen: o.listen ?? true,
    heartbeatIntervalSeconds: o.heartbeat === false ? undefined : (o.heartbeatIntervalSeconds ?? 10),
  };
}

function expectQueueName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_QUEUE_NAME) {
    throw new QueuetelConfigError(
      field,
      `must be a pgmq queue name of 1 to ${MAX_QUEUE_NAME} characters, got ${typeName(value)}`,
    );
  }
}
