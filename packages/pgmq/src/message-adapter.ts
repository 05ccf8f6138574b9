import { JOB_OUTCOMES, type Failure, type JobFacts, type QueueAdapter, type Verdict } from '@queuetel/core';
import manifest from '../package.json' with { type: 'json' };
import { carrierOf } from './headers.js';
import type { PgmqMessage } from './types.js';

export const PGMQ_SYSTEM = 'pgmq';
export const SCOPE = Object.freeze({ name: manifest.name, version: manifest.version });

/**
 * What queuetel knows about a message beyond its row, kept beside it (in a WeakMap, never on the
 * object the handler sees): the wait measured when it was read, and what the consumer will do if
 * this attempt fails.
 */
export interface MessageNote {
  /** Seconds from `enqueued_at` to the read that delivered the message, by the database's clock. */
  readonly waitSeconds: number | undefined;
  /** Set by the consumer: a failure of this attempt is the last one the message gets. */
  lastAttempt?: boolean;
  /** Set by the consumer: a last failure goes to a dead-letter queue rather than the archive. */
  deadLetter?: boolean;
}

export type MessageNotes = WeakMap<object, MessageNote>;

export function createPgmqAdapter(notes: MessageNotes): QueueAdapter<PgmqMessage> {
  return {
    system: PGMQ_SYSTEM,
    scope: SCOPE,
    facts: (message) => messageFacts(message, notes.get(message)),
    carrier: carrierOf,
    verdict: (message, failure) => messageVerdict(notes.get(message), failure),
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
 * How an attempt ended. pgmq has no retry bookkeeping of its own: a message that is not deleted or
 * archived simply becomes visible again. So a failure is `retried` unless the consumer marked this
 * read as the message's last, when it is `dead_lettered` (moved to the dead-letter queue) or
 * `failed` (moved to the archive).
 */
export function messageVerdict(note: MessageNote | undefined, failure: Failure | undefined): Verdict {
  if (!failure) return { outcome: JOB_OUTCOMES.completed };
  if (!note?.lastAttempt) return { outcome: JOB_OUTCOMES.retried };
  return { outcome: note.deadLetter ? JOB_OUTCOMES.dead_lettered : JOB_OUTCOMES.failed };
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
