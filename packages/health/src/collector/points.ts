import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DEAD_LETTER_QUEUE,
  ATTR_JOB_OUTCOME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ATTR_QUEUE_SCHEMA,
  ATTR_QUEUE_STATE,
  ATTR_WORKER_KIND,
} from '@queuetel/core';
import type { HealthSnapshot, QueueSnapshot } from '../snapshot.js';
import type { InstrumentDescriptor } from '@queuetel/core';
import { HEALTH_INSTRUMENTS } from './instruments.js';
import type { EndedTotal } from './ended.js';

/** What the gauges show when the SDK reads them. */
export interface GaugeView {
  /** The queues to report: the latest good collection while this instance leads, else nothing. */
  readonly snapshot: HealthSnapshot | undefined;
  readonly leader: boolean;
  /** Seconds since the last good collection, when this instance is the one to say so. */
  readonly stalenessSeconds: number | undefined;
  /** The job table's ends counted at the latest collection; none when the shadow comparison is off. */
  readonly ended?: readonly EndedTotal[];
}

/** One value of an observed instrument. */
export interface ObservedPoint {
  readonly instrument: InstrumentDescriptor;
  readonly value: number;
  readonly attributes: Attributes;
}

/**
 * Every point the observed instruments report now. With no fresh collection (the database is
 * down, or another instance leads) there are no queue points at all, so a dashboard shows a gap
 * rather than a stale number.
 */
export function observedPoints(view: GaugeView): ObservedPoint[] {
  const I = HEALTH_INSTRUMENTS;
  const points: ObservedPoint[] = [{ instrument: I.leader, value: view.leader ? 1 : 0, attributes: {} }];
  if (view.stalenessSeconds !== undefined) {
    points.push({ instrument: I.staleness, value: view.stalenessSeconds, attributes: {} });
  }
  for (const queue of view.snapshot?.queues ?? []) {
    const attributes = queueAttributes(queue);
    const add = (instrument: InstrumentDescriptor, value: number, extra?: Attributes) => {
      points.push({ instrument, value, attributes: extra ? { ...attributes, ...extra } : attributes });
    };
    for (const [state, count] of Object.entries(queue.jobs))
      add(I.jobs, count, { [ATTR_QUEUE_STATE]: state });
    // With no counts known, an age of 0 would read as "nothing waits": say nothing instead.
    if (Object.keys(queue.jobs).length > 0) add(I.oldestAge, queue.oldestAgeSeconds);
    if (queue.newestAgeSeconds !== undefined) add(I.newestAge, queue.newestAgeSeconds);
    if (queue.deadLetter) {
      add(I.deadLetterJobs, queue.deadLetter.jobs, { [ATTR_DEAD_LETTER_QUEUE]: queue.deadLetter.name });
    }
    if (queue.enqueued !== undefined) add(I.enqueued, queue.enqueued);
    if (queue.completed !== undefined) add(I.completed, queue.completed);
    for (const [kind, count] of Object.entries(queue.workers))
      add(I.workersLive, count, { [ATTR_WORKER_KIND]: kind });
  }
  for (const ended of view.ended ?? []) {
    points.push({
      instrument: I.ended,
      value: ended.total,
      attributes: { ...queueAttributes(ended), [ATTR_JOB_OUTCOME]: ended.end },
    });
  }
  return points;
}

/** The attributes every gauge of one queue carries. */
export function queueAttributes(queue: Pick<QueueSnapshot, 'system' | 'schema' | 'name'>): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: queue.system,
    [ATTR_MESSAGING_DESTINATION_NAME]: queue.name,
    [ATTR_QUEUE_SCHEMA]: queue.schema,
  };
}
