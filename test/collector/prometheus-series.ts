import { prometheusLabel, prometheusName } from '../../scripts/dashboard/prometheus-name.js';
import type { ReceivedPoint } from '../harness/otlp-receiver.js';

/** One series as Prometheus would store it from the collector's exporter, in promtool's notation. */
export interface PrometheusSample {
  /** Such as `queuetel_queue_jobs{job="svc", messaging_system="pgmq", ...}`. */
  readonly series: string;
  readonly value: number;
}

/**
 * The gauge and counter points of one export as the OpenTelemetry Collector's Prometheus exporter
 * would serve them: the Prometheus name, every attribute as a label, `service.name` as `job` and
 * `service.instance.id` as `instance`. Histograms are left out (the receiver keeps only their count).
 */
export function prometheusSamples(points: readonly ReceivedPoint[]): PrometheusSample[] {
  return points
    .filter((point) => point.kind !== 'histogram')
    .map((point) => {
      const { series } = prometheusName(point);
      const labels: Record<string, string> = {};
      const job = point.resource['service.name'];
      if (job !== undefined) labels.job = String(job);
      const instance = point.resource['service.instance.id'];
      if (instance !== undefined) labels.instance = String(instance);
      for (const [key, value] of Object.entries(point.attributes))
        labels[prometheusLabel(key)] = String(value);
      const matchers = Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => `${label}=${JSON.stringify(value)}`);
      return { series: `${series[0]!}{${matchers.join(', ')}}`, value: point.value };
    });
}
