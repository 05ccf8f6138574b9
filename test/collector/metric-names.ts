import type { InstrumentKind } from '@queuetel/core';
import { prometheusLabel, prometheusName } from '../../scripts/dashboard/prometheus-name.js';
import { selectorUses } from './promql.js';
import type { Query } from './queries.js';

/** A metric as the SDK exports it: enough to know its Prometheus name and labels. */
export interface EmittedMetric {
  readonly name: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
  readonly attributes: readonly string[];
}

/**
 * Whether a Prometheus series is one of Lane A's, which the queue-health collector sends; every
 * other queuetel or messaging series comes from the workers (Lane B). The two halves are checked
 * against two real emissions: test/node/queue-health-export.test.ts and test/node/otlp-export.test.ts.
 */
export function isLaneA(series: string): boolean {
  return /^queuetel_(queue|workers|collector)_/.test(series) && !isShadow(series);
}

/**
 * Whether a Prometheus series is the shadow comparison's count of ended jobs, which a collector sends
 * only with `shadowComparison`: checked against that real emission in
 * test/integration/health-shadow.test.ts.
 */
export function isShadow(series: string): boolean {
  return /^queuetel_queue_ended_/.test(series);
}

/** Labels the Collector's Prometheus exporter puts on every series, from the resource and scope. */
const EXPORTER_LABELS = ['job', 'instance', 'otel_scope_name', 'otel_scope_version'];

/**
 * What is wrong with the metric names and labels that `queries` use, given the metrics that are
 * really emitted: each queuetel or messaging series a query selects must be one Prometheus stores
 * for an emitted metric, and must carry every label the query matches on or groups by.
 */
export function nameProblems(
  queries: readonly Query[],
  emitted: readonly EmittedMetric[],
  /** Check only the series this accepts, such as one lane's. Default: every queuetel or messaging series. */
  only: (series: string) => boolean = () => true,
): string[] {
  const labelsOf = new Map<string, Set<string>>();
  for (const metric of emitted) {
    const { series, type } = prometheusName(metric);
    for (const name of series) {
      const labels = labelsOf.get(name) ?? new Set(EXPORTER_LABELS);
      for (const attribute of metric.attributes) labels.add(prometheusLabel(attribute));
      if (type === 'histogram' && name.endsWith('_bucket')) labels.add('le');
      labelsOf.set(name, labels);
    }
  }
  const problems: string[] = [];
  for (const query of queries) {
    for (const use of selectorUses(query.expr)) {
      if (!/^(queuetel|messaging)_/.test(use.metric) || !only(use.metric)) continue;
      const labels = labelsOf.get(use.metric);
      if (!labels) {
        problems.push(`${query.source}: no emitted metric is stored as ${use.metric}`);
        continue;
      }
      for (const label of use.labels) {
        if (!labels.has(label)) problems.push(`${query.source}: ${use.metric} has no label ${label}`);
      }
    }
  }
  return problems;
}

/** The metrics a receiver got, with every attribute key each one was seen with. */
export function emittedFrom(
  points: readonly { name: string; unit: string; kind: EmittedMetric['kind']; attributes: object }[],
): EmittedMetric[] {
  const byName = new Map<string, { metric: Omit<EmittedMetric, 'attributes'>; attributes: Set<string> }>();
  for (const point of points) {
    let entry = byName.get(point.name);
    if (!entry) {
      entry = { metric: { name: point.name, unit: point.unit, kind: point.kind }, attributes: new Set() };
      byName.set(point.name, entry);
    }
    for (const key of Object.keys(point.attributes)) entry.attributes.add(key);
  }
  return [...byName.values()].map(({ metric, attributes }) => ({ ...metric, attributes: [...attributes] }));
}
