/**
 * The PromQL pieces the dashboard's queries are made of. Metric and label names come from core's
 * instrument registry and attribute names, spelled as the Collector's Prometheus exporter stores
 * them, so a renamed instrument or a changed unit changes every query with it.
 */
import {
  ATTR_DEAD_LETTER_QUEUE,
  ATTR_ERROR_TYPE,
  ATTR_JOB_OUTCOME,
  ATTR_LABEL_KEY,
  ATTR_LABEL_REASON,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ATTR_QUEUE_SCHEMA,
  ATTR_QUEUE_STATE,
  ATTR_WORKER_KIND,
  INSTRUMENTS,
  JOB_OUTCOMES,
  type InstrumentDescriptor,
} from '@queuetel/core';
import { prometheusLabel, prometheusName } from './prometheus-name.js';

const I = INSTRUMENTS;
export const name = (instrument: InstrumentDescriptor): string => prometheusName(instrument).name;
export const bucket = (instrument: InstrumentDescriptor): string => `${name(instrument)}_bucket`;

/** Prometheus labels, from the attributes they come from. */
export const L = {
  system: prometheusLabel(ATTR_MESSAGING_SYSTEM),
  queue: prometheusLabel(ATTR_MESSAGING_DESTINATION_NAME),
  schema: prometheusLabel(ATTR_QUEUE_SCHEMA),
  state: prometheusLabel(ATTR_QUEUE_STATE),
  outcome: prometheusLabel(ATTR_JOB_OUTCOME),
  errorType: prometheusLabel(ATTR_ERROR_TYPE),
  workerKind: prometheusLabel(ATTR_WORKER_KIND),
  deadLetter: prometheusLabel(ATTR_DEAD_LETTER_QUEUE),
  labelKey: prometheusLabel(ATTR_LABEL_KEY),
  labelReason: prometheusLabel(ATTR_LABEL_REASON),
};

/** The outcomes of an attempt that did not succeed. */
export const FAILED = [
  JOB_OUTCOMES.retried,
  JOB_OUTCOMES.failed,
  JOB_OUTCOMES.expired,
  JOB_OUTCOMES.dead_lettered,
];
export const oneOf = (values: readonly string[]): string => values.join('|');

/**
 * A worker metric (Lane B) of the chosen services, systems and queues: workers send these, so the
 * service (`job`) tells them apart.
 */
export function fromWorkers(instrument: InstrumentDescriptor, series = name(instrument), extra = ''): string {
  return `${series}{job=~"$service", ${L.system}=~"$system", ${L.queue}=~"$queue"${extra}}`;
}

/**
 * A queue-health metric (Lane A) of the chosen systems, schemas and queues. One elected collector
 * sends these, from whichever service it runs in, so they are not filtered by service; `max by` the
 * queue's identity keeps one series per queue while the lock changes hands.
 */
export function fromDatabase(instrument: InstrumentDescriptor, extra = ''): string {
  return `${name(instrument)}{${L.system}=~"$system", ${L.schema}=~"$schema", ${L.queue}=~"$queue"${extra}}`;
}

const QUEUE_IDENTITY = [L.system, L.schema, L.queue];
export const maxByQueue = (selector: string, ...more: string[]): string =>
  `max by (${[...QUEUE_IDENTITY, ...more].join(', ')}) (${selector})`;

/** Attempts by outcome, per queue: lost attempts included, domain labels not. */
export const outcomes = (extra = ''): string => fromWorkers(I.jobOutcomes, undefined, extra);
/**
 * Attempts by outcome and domain label: the duration histogram's count, the one count that carries
 * the labels. It leaves out the attempts no worker saw end, which have no duration.
 */
export const labelledOutcomes = (extra = ''): string =>
  fromWorkers(I.jobDuration, `${name(I.jobDuration)}_count`, extra);
const failed = `, ${L.outcome}=~"${oneOf(FAILED)}"`;
export const failedOutcomes = outcomes(failed);
/** The share of attempts that failed, from `count`: {@link outcomes} or {@link labelledOutcomes}. */
export const failureRatio = (by: string, window: string, count = outcomes): string =>
  `sum${by}(rate(${count(failed)}[${window}])) / sum${by}(rate(${count()}[${window}]))`;

/** Either lane's headline metric: a queue shows up here from its workers or from its database. */
export const eitherLane = (extra = ''): string =>
  `{__name__=~"${name(I.jobAttempts)}|${name(I.queueJobs)}"${extra}}`;
