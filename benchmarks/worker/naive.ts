import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import type { Payload } from '../throughput/system.js';

/**
 * The wrapper a user writes by hand without queuetel: a span per job and two metrics carrying the
 * same three labels, through the OpenTelemetry API.
 */
export function naiveWrapper() {
  const tracer = trace.getTracer('naive-wrapper');
  const meter = metrics.getMeter('naive-wrapper');
  const duration = meter.createHistogram('job.duration', { unit: 's' });
  const processed = meter.createCounter('jobs.processed', { unit: '{job}' });
  return (job: { id: string; name: string; data: Payload }, run: () => Promise<void>): Promise<void> => {
    const labels = {
      project: job.data.project,
      endpoint: job.data.endpoint,
      http_status_code: `${String(job.data.status)[0]}xx`,
    };
    return tracer.startActiveSpan(
      `process ${job.name}`,
      { kind: SpanKind.CONSUMER, attributes: { ...labels, 'messaging.message.id': job.id } },
      async (span) => {
        const startedAt = performance.now();
        let outcome = 'completed';
        try {
          await run();
        } catch (error) {
          outcome = 'failed';
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
          const attributes = { ...labels, outcome };
          duration.record((performance.now() - startedAt) / 1000, attributes);
          processed.add(1, attributes);
        }
      },
    );
  };
}
