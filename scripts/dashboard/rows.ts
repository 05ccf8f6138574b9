/** The dashboard's rows of panels, top to bottom: what each panel shows and how it asks for it. */
import { INSTRUMENTS, type InstrumentDescriptor, JOB_OUTCOMES, QUEUE_STATES } from '@queuetel/core';
import { alertAt, graph, warnAt, stat, type Panel, type Target } from './panels.js';
import {
  bucket,
  failedOutcomes,
  failureRatio,
  fromDatabase,
  fromWorkers,
  L,
  labelledOutcomes,
  maxByQueue,
  name,
  oneOf,
  outcomes,
} from './promql.js';

const I = INSTRUMENTS;

/** The alert rules' thresholds (collector/prometheus/rules/queuetel-alerts.yml), drawn on panels. */
const ALERT = { staleQueueSeconds: 900, failureRatio: 0.05, staleCollectorSeconds: 120 };

/**
 * The median, p95 and p99 of a histogram of the workers', per queue. The p99 query also fetches the
 * buckets' exemplars, each a point on the graph that opens its job's trace in Jaeger; the three
 * queries read the same buckets, so one is enough.
 */
const quantiles = (instrument: InstrumentDescriptor): Target[] =>
  [0.5, 0.95, 0.99].map((q) => [
    `histogram_quantile(${q}, sum by (le, ${L.queue}) (rate(${fromWorkers(instrument, bucket(instrument))}[$__rate_interval])))`,
    `{{${L.queue}}} p${q * 100}`,
    q === 0.99,
  ]);

/** The rows of the dashboard, top to bottom, each with its panels left to right. */
export const ROWS: readonly (readonly [title: string, panels: readonly Panel[]])[] = [
  [
    'Overview',
    [
      stat({
        title: 'Jobs waiting',
        description:
          'Jobs ready to run or waiting to retry, summed over the selected queues (queue-health collector).',
        unit: 'short',
        thresholds: warnAt(500, 1000),
        targets: [
          [
            `sum(${maxByQueue(
              fromDatabase(I.queueJobs, `, ${L.state}=~"${oneOf([QUEUE_STATES.ready, QUEUE_STATES.retry])}"`),
              L.state,
            )})`,
            'Jobs waiting',
          ],
        ],
      }),
      stat({
        title: 'Oldest job',
        description:
          'How long the oldest ready job of the selected queues has waited (queue-health collector).',
        unit: 's',
        thresholds: warnAt(300, ALERT.staleQueueSeconds),
        targets: [[`max(${fromDatabase(I.queueOldestAge)})`, 'Oldest job']],
      }),
      stat({
        title: 'Failed attempts',
        description:
          'Share of attempts that failed (retried, failed, expired or dead-lettered) over the last 5 minutes.',
        unit: 'percentunit',
        thresholds: warnAt(0.02, ALERT.failureRatio),
        targets: [[failureRatio('', '5m'), 'Failed attempts']],
      }),
      stat({
        title: 'Live workers',
        description: 'Workers of the selected queues that are alive now (queue-health collector).',
        unit: 'short',
        thresholds: [
          { color: 'red', value: null },
          { color: 'green', value: 1 },
        ],
        targets: [[`sum(${maxByQueue(fromDatabase(I.workersLive), L.workerKind)})`, 'Live workers']],
      }),
    ],
  ],
  [
    'Queue state',
    [
      graph({
        title: 'Depth by state',
        description: 'Jobs in each queue by state, read from the database by the queue-health collector.',
        unit: 'short',
        width: 12,
        stacked: true,
        targets: [
          [maxByQueue(fromDatabase(I.queueJobs), L.state), `{{${L.schema}}}.{{${L.queue}}} {{${L.state}}}`],
        ],
      }),
      graph({
        title: 'Oldest-job age',
        description:
          'How long the oldest ready job of each queue has waited; 0 when none waits. The stale-queue alert fires above 15 minutes.',
        unit: 's',
        width: 12,
        thresholds: alertAt(ALERT.staleQueueSeconds),
        targets: [[maxByQueue(fromDatabase(I.queueOldestAge)), `{{${L.schema}}}.{{${L.queue}}}`]],
      }),
    ],
  ],
  [
    'Throughput',
    [
      graph({
        title: 'Throughput',
        description: 'Jobs sent to each queue, and attempts finished per second by outcome.',
        unit: 'ops',
        width: 24,
        targets: [
          [
            `sum by (${L.queue}) (rate(${fromWorkers(I.sentMessages)}[$__rate_interval]))`,
            `{{${L.queue}}} sent`,
          ],
          [
            `sum by (${L.queue}, ${L.outcome}) (rate(${outcomes()}[$__rate_interval]))`,
            `{{${L.queue}}} {{${L.outcome}}}`,
          ],
        ],
      }),
    ],
  ],
  [
    'Errors',
    [
      graph({
        title: 'Failed attempts by error.type',
        description:
          'Attempts per second that failed (retried, failed, expired or dead-lettered), by the class of error.',
        unit: 'ops',
        width: 8,
        targets: [
          [
            `sum by (${L.queue}, ${L.errorType}) (rate(${failedOutcomes}[$__rate_interval]))`,
            `{{${L.queue}}} {{${L.errorType}}}`,
          ],
        ],
      }),
      graph({
        title: 'Failure ratio by queue',
        description: 'Share of attempts that failed. The failure-rate alert fires above 5% over 5 minutes.',
        unit: 'percentunit',
        width: 8,
        thresholds: alertAt(ALERT.failureRatio),
        targets: [[failureRatio(` by (${L.queue}) `, '$__rate_interval'), `{{${L.queue}}}`]],
      }),
      graph({
        title: 'Failure ratio by $group_by',
        description:
          "Share of attempts that failed, by the domain label named in the 'Break down by' box (a label declared in the instrumentation's labels option). Counted from the processing-time histogram, which carries the labels; attempts whose worker died are left out.",
        unit: 'percentunit',
        width: 8,
        targets: [[failureRatio(' by ($group_by) ', '$__rate_interval', labelledOutcomes), '{{$group_by}}']],
      }),
    ],
  ],
  [
    'Processing and wait time',
    [
      graph({
        title: 'Processing time p50 / p95 / p99',
        description: 'How long handlers ran per job. Each dot is one sampled job: click it for its trace.',
        unit: 's',
        width: 12,
        targets: quantiles(I.jobDuration),
      }),
      graph({
        title: 'Wait time p50 / p95 / p99',
        description:
          'How long jobs waited between becoming eligible to run and starting. Each dot is one sampled job: click it for its trace.',
        unit: 's',
        width: 12,
        targets: quantiles(I.jobWaitTime),
      }),
    ],
  ],
  [
    'Retries and dead letters',
    [
      graph({
        title: 'Retries and dead-letters',
        description:
          'Attempts per second that will be retried, and jobs per second sent to a dead-letter queue.',
        unit: 'ops',
        width: 12,
        targets: [
          [
            `sum by (${L.queue}, ${L.outcome}) (rate(${outcomes(
              `, ${L.outcome}=~"${oneOf([JOB_OUTCOMES.retried, JOB_OUTCOMES.dead_lettered])}"`,
            )}[$__rate_interval]))`,
            `{{${L.queue}}} {{${L.outcome}}}`,
          ],
        ],
      }),
      graph({
        title: 'Dead-letter queue depth',
        description: "Jobs waiting in each queue's dead-letter queue (queue-health collector).",
        unit: 'short',
        width: 12,
        targets: [
          [
            maxByQueue(fromDatabase(I.queueDeadLetterJobs), L.deadLetter),
            `{{${L.schema}}}.{{${L.queue}}} → {{${L.deadLetter}}}`,
          ],
        ],
      }),
    ],
  ],
  [
    'Workers',
    [
      graph({
        title: 'Live workers',
        description:
          'Workers of each queue alive now, by kind (queue-health collector). The no-workers alert fires when this is 0 while jobs are ready.',
        unit: 'short',
        width: 12,
        targets: [
          [
            maxByQueue(fromDatabase(I.workersLive), L.workerKind),
            `{{${L.schema}}}.{{${L.queue}}} {{${L.workerKind}}}`,
          ],
        ],
      }),
      graph({
        title: 'Jobs in flight',
        description: 'Handlers running now, as the workers count them.',
        unit: 'short',
        width: 12,
        targets: [[`sum by (${L.queue}) (${fromWorkers(I.jobInFlight)})`, `{{${L.queue}}}`]],
      }),
    ],
  ],
  [
    'Label overflow',
    [
      graph({
        title: 'Label values folded',
        description:
          'Label values recorded as a marker instead of themselves, by label and reason. overflow and series_limit mean a cap was hit (docs/labels.md).',
        unit: 'short',
        width: 12,
        targets: [
          [
            `sum by (job, ${L.labelKey}, ${L.labelReason}) (increase(${name(I.labelFolded)}{job=~"$service", ${L.system}=~"$system"}[$__rate_interval]))`,
            `{{job}} {{${L.labelKey}}} {{${L.labelReason}}}`,
          ],
        ],
      }),
      graph({
        title: 'Series past the SDK limit',
        description:
          'Series the OpenTelemetry SDK folded into otel_metric_overflow because an instrument reached its cardinality limit. Empty is good.',
        unit: 'short',
        width: 12,
        targets: [
          [
            'count by (job, metric) (label_replace({__name__=~"(queuetel|messaging)_.+", job=~"$service", otel_metric_overflow="true"}, "metric", "$1", "__name__", "(.+)"))',
            '{{job}} {{metric}}',
          ],
        ],
      }),
    ],
  ],
  [
    'Queue-health collector',
    [
      graph({
        title: 'Gauge staleness',
        description:
          'Time since the last good collection of the queue-health gauges. The stale-collector alert fires above 120 s.',
        unit: 's',
        width: 8,
        thresholds: alertAt(ALERT.staleCollectorSeconds),
        targets: [[`min by (job) (${name(I.collectorStaleness)})`, '{{job}}']],
      }),
      graph({
        title: 'Collection time and errors',
        description: 'How long one collection took (p95), and collections that failed per second.',
        unit: 's',
        width: 8,
        targets: [
          [
            `histogram_quantile(0.95, sum by (le, job) (rate(${bucket(I.collectorDuration)}[$__rate_interval])))`,
            '{{job}} p95',
          ],
          [
            `sum by (job, ${L.errorType}) (rate(${name(I.collectorErrors)}[$__rate_interval]))`,
            `{{job}} errors {{${L.errorType}}}`,
          ],
        ],
      }),
      graph({
        title: 'Lock holder',
        description: '1 on the instance that holds the collector lock and collects.',
        unit: 'short',
        width: 8,
        targets: [[`sum by (job, instance) (${name(I.collectorLeader)})`, '{{job}} {{instance}}']],
      }),
    ],
  ],
];
