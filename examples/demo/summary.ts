import type { DataPoint, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Prints what the demo recorded: spans by name, then the queuetel job metrics by label. */
export function printSummary(spans: readonly ReadableSpan[], metrics: ResourceMetrics): void {
  const byName = new Map<string, number>();
  for (const span of spans) byName.set(span.name, (byName.get(span.name) ?? 0) + 1);
  console.log('\nSpans');
  console.table([...byName].map(([name, count]) => ({ name, count })));

  const points = (name: string) =>
    metrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<number | Histogram>[]);

  console.log('Attempts by outcome (queuetel.job.outcomes)');
  console.table(
    points('queuetel.job.outcomes').map((point) => ({
      project: point.attributes.project,
      http_status_code: point.attributes.http_status_code,
      outcome: point.attributes['queuetel.job.outcome'],
      'error.type': point.attributes['error.type'] ?? '',
      attempts: point.value as number,
    })),
  );

  console.log('Processing time per job (queuetel.job.duration)');
  console.table(
    points('queuetel.job.duration').map((point) => {
      const histogram = point.value as Histogram;
      return {
        project: point.attributes.project,
        outcome: point.attributes['queuetel.job.outcome'],
        jobs: histogram.count,
        'mean ms': histogram.count ? ((histogram.sum! / histogram.count) * 1000).toFixed(1) : '-',
        'max ms': histogram.max !== undefined ? (histogram.max * 1000).toFixed(1) : '-',
      };
    }),
  );

  const waits = points('queuetel.job.wait_time').map((point) => point.value as Histogram);
  const count = waits.reduce((sum, h) => sum + h.count, 0);
  const sum = waits.reduce((total, h) => total + (h.sum ?? 0), 0);
  console.log(
    `Mean wait in queue (queuetel.job.wait_time): ${count ? ((sum / count) * 1000).toFixed(1) : '-'} ms over ${count} attempts`,
  );
}
