import {
  JOB_OUTCOMES,
  type Failure,
  type JobFacts,
  type JobOutcome,
  type QueueAdapter,
  type Verdict,
} from '@queuetel/core';
import type { ExtractedContext } from '@queuetel/core/internal';
import manifest from '../package.json' with { type: 'json' };
import { carrierOf } from './headers.js';
import type { PgmqMessage } from './types.js';

export const PGMQ_SYSTEM = 'pgmq';
export const SCOPE = Object.freeze({ name: manifest.name, version: manifest.version });

/**
 * What queuetel learnt about a message when it read it, kept beside it (in a WeakMap, never on the
 * object the handler sees) and never changed afterwards.
 */
export interface MessageNote {
  /** Seconds from `enqueued_at` to the read that delivered the message, by the database's clock. */
  readonly waitSeconds: number | undefined;
  /** The producer's trace context, extracted once from the headers at the read. */
  readonly producer: ExtractedContext | undefined;
}

export type MessageNotes = WeakMap<object, MessageNote>;

export function createPgmqAdapter(notes: MessageNotes): QueueAdapter<PgmqMessage> {
  return {
    system: PGMQ_SYSTEM,
    scope: SCOPE,
    facts: (message) => messageFacts(message, notes.get(message)),
    carrier: carrierOf,
    // A message this client read was extracted then; one it did not read (popped elsewhere) has none.
    extracted: (message) => notes.get(message)?.producer,
    // The consumer passes its own verdict, decided before the attempt; this one is for other callers.
    verdict: (_message, failure) => messageVerdict(failure, JOB_OUTCOMES.retried),
  };
}

/** The attempt is pgmq's own read count; a popped message (read count 0) has none. */
export function messageFacts(message: PgmqMessage, note: MessageNote | undefined): JobFacts {
  return {
    id: message.msgId,
    attempt: message.readCount > 0 ? message.readCount : undefined,
    waitSeconds: note?.waitSeconds,
  };
}

/**
 * How an attempt ended. pgmq has no retry bookkeeping of its own, so what a failure means is what
 * the consumer will do with the message, which it decides before the attempt: `retried` (visible
 * again later), `dead_lettered` (moved to the dead-letter queue) or `failed` (archived).
 */
export function messageVerdict(failure: Failure | undefined, ifFailed: JobOutcome): Verdict {
  return { outcome: failure ? ifFailed : JOB_OUTCOMES.completed };
}

/**
 * From `enqueued_at` to the read, both by the database's clock: pgmq 1.10 and later record the read
 * as `last_read_at`; before that, a read sets `vt` to the read time plus the `vt` it was given.
 * It includes any send delay and, for a retry, the earlier attempts: pgmq keeps no other start.
 */
export function waitSecondsOf(message: PgmqMessage, vtSeconds: number): number | undefined {
  const enqueued = message.enqueuedAt.getTime();
  const readAt = message.lastReadAt ? message.lastReadAt.getTime() : message.vt.getTime() - vtSeconds * 1000;
  if (Number.isNaN(enqueued) || Number.isNaN(readAt)) return undefined;
  return Math.max(0, (readAt - enqueued) / 1000);
}
