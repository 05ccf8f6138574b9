import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  CUMULATIVE,
  GAUGE_POINT,
  INSTRUMENTS,
  SUM_POINT,
  type GaugeMetricData,
  type InstrumentDescriptor,
  type MetricData,
  type QueuetelMetricProducer,
  type SumMetricData,
} from '@queuetel/core';
import { AggregationStore } from '@queuetel/core/internal';
import { HEALTH_INSTRUMENTS } from './instruments.js';
import type { HealthOutput } from './output.js';
import { observedPoints, type GaugeView, type ObservedPoint } from './points.js';

/**
 * The collector's metrics through a queuetel metric producer: at each collection the reader gets
 * exactly the points of that moment, so a series with no fresh value is simply absent. The duration
 * and error counts are summed in an aggregation store of the collector's own.
 */
export class ProducerOutput implements HealthOutput {
  readonly #store: AggregationStore;
  readonly #remove: () => void;
  readonly #startTime: HrTime;

  constructor(
    producer: QueuetelMetricProducer,
    scope: { name: string; version: string },
    view: () => GaugeView,
  ) {
    this.#store = new AggregationStore(scope);
    this.#startTime = nowHrTime();
    this.#remove = producer.addSource({
      collect: (endTime) => {
        const recorded = this.#store.toScopeMetrics(endTime);
        const metrics: MetricData[] = [...recorded.metrics];
        const byInstrument = new Map<InstrumentDescriptor, ObservedPoint[]>();
        for (const point of observedPoints(view())) {
          let points = byInstrument.get(point.instrument);
          if (!points) byInstrument.set(point.instrument, (points = []));
          points.push(point);
        }
        for (const [instrument, points] of byInstrument) {
          metrics.push(this.#metricData(instrument, points, endTime));
        }
        return { scope, metrics };
      },
    });
  }

  recordCollection(durationSeconds: number): void {
    this.#store.histogram(HEALTH_INSTRUMENTS.duration, {}).record(durationSeconds);
  }

  recordError(errorType: string): void {
    this.#store.counter(HEALTH_INSTRUMENTS.errors, { [ATTR_ERROR_TYPE]: errorType }).add(1);
  }

  recordOutcomes(attributes: Attributes, count: number): void {
    this.#store.counter(INSTRUMENTS.jobOutcomes, attributes).add(count);
  }

  detach(): void {
    this.#remove();
  }

  #metricData(instrument: InstrumentDescriptor, points: ObservedPoint[], endTime: HrTime): MetricData {
    const base = {
      descriptor: {
        name: instrument.name,
        description: instrument.description,
        unit: instrument.unit,
        valueType: ValueType.DOUBLE,
      },
      aggregationTemporality: CUMULATIVE,
    };
    // A gauge's point is a reading at endTime; a counter's runs from when this collector started.
    const dataPoints = points.map((point) => ({
      startTime: instrument.kind === 'gauge' ? endTime : this.#startTime,
      endTime,
      attributes: point.attributes,
      value: point.value,
    }));
    if (instrument.kind === 'gauge') {
      const gauge: GaugeMetricData = { ...base, dataPointType: GAUGE_POINT, dataPoints };
      return gauge;
    }
    const sum: SumMetricData = { ...base, dataPointType: SUM_POINT, isMonotonic: true, dataPoints };
    return sum;
  }
}

function nowHrTime(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
