import type { OtlpReceiver, ReceivedPoint } from '../../test/harness/otlp-receiver.js';

interface Endpoints {
  readonly health: { readonly status: number; readonly body: unknown };
  readonly queue: unknown;
}

/** Prints what reached the receiver over OTLP, and what the health endpoint answered. */
export function printReport(receiver: OtlpReceiver, endpoints: Endpoints): void {
  const spans = receiver.spans();
  const byName = new Map<string, number>();
  for (const span of spans) byName.set(span.name, (byName.get(span.name) ?? 0) + 1);
  console.log('\nSpans received over OTLP');
  console.table([...byName].map(([name, count]) => ({ name, count })));
  const sends = new Set(spans.filter((span) => span.name.startsWith('send ')).map((span) => span.spanId));
  const processes = spans.filter((span) => span.name.startsWith('process '));
  const traced = processes.filter(
    (span) =>
      (span.parentSpanId && sends.has(span.parentSpanId)) || span.links.some((l) => sends.has(l.spanId)),
  );
  console.log(
    `${traced.length} of ${processes.length} process spans continue or link to the trace of their send.`,
  );

  const latest = latestPoints(receiver.points());
  const get = (name: string) => latest.filter((point) => point.name === name);

  console.log('\nAttempts by outcome and label (queuetel.job.outcomes)');
  console.table(
    get('queuetel.job.outcomes')
      .map((point) => ({
        project: point.attributes.project,
        http_status_code: point.attributes.http_status_code,
        outcome: point.attributes['queuetel.job.outcome'],
        'error.type': point.attributes['error.type'] ?? '',
        attempts: point.value,
      }))
      .sort((a, b) => String(a.project).localeCompare(String(b.project)) || b.attempts - a.attempts),
  );

  console.log('Per-job histograms, all labels together');
  console.table(
    ['queuetel.job.duration', 'queuetel.job.wait_time'].map((name) => summarize(name, get(name))),
  );

  console.log('Queue state from the health collector (Lane A)');
  console.table(
    latest
      .filter((point) => point.name.startsWith('queuetel.queue.') || point.name === 'queuetel.workers.live')
      .map((point) => ({
        metric: point.name,
        queue: point.attributes['messaging.destination.name'],
        detail: point.attributes['queuetel.queue.state'] ?? point.attributes['queuetel.worker.kind'] ?? '',
        value: point.value,
      })),
  );

  console.log(`GET /health answered ${endpoints.health.status}:`);
  console.log(JSON.stringify(endpoints.health.body, null, 2));
  console.log('GET /queues/webhooks:');
  console.log(JSON.stringify(endpoints.queue, null, 2));
}

/** Every export repeats cumulative totals and current gauges: keep the last point of each series. */
function latestPoints(points: readonly ReceivedPoint[]): ReceivedPoint[] {
  const latest = new Map<string, ReceivedPoint>();
  for (const point of points) {
    const key = `${point.name} ${JSON.stringify(Object.entries(point.attributes).sort())}`;
    const seen = latest.get(key);
    if (!seen || seen.arrivedAt <= point.arrivedAt) latest.set(key, point);
  }
  return [...latest.values()];
}

function summarize(name: string, points: readonly ReceivedPoint[]) {
  const count = points.reduce((total, point) => total + point.value, 0);
  const sum = points.reduce((total, point) => total + (point.sum ?? 0), 0);
  return {
    metric: name,
    jobs: count,
    'mean ms': count ? ((sum / count) * 1000).toFixed(1) : '-',
    'p95 at most, ms': count ? quantileBound(points, 0.95) : '-',
  };
}

/** The upper bound of the bucket holding the q-quantile: what a histogram can honestly say. */
function quantileBound(points: readonly ReceivedPoint[], q: number): string {
  const bounds = points[0]?.bounds ?? [];
  const counts = bounds.map(() => 0).concat(0);
  for (const point of points) point.bucketCounts?.forEach((n, i) => (counts[i] = (counts[i] ?? 0) + n));
  const total = counts.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= q * total)
      return i < bounds.length ? String(bounds[i]! * 1000) : `> ${bounds.at(-1)! * 1000}`;
  }
  return '-';
}
