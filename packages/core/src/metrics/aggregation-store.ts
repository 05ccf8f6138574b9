import type { Attributes, HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { HistogramCell, isRecorded, SumCell } from './cells.js';
import { attachExemplars } from './exemplars.js';
import { DURATION_BUCKETS, type InstrumentDescriptor } from './instruments.js';
import {
  CUMULATIVE,
  HISTOGRAM_POINT,
  SUM_POINT,
  type HistogramMetricData,
  type MetricData,
  type ScopeMetrics,
  type SumMetricData,
} from './sdk-data.js';
import type { BoundCounter, BoundHistogram, MetricSink } from './sink.js';

interface InstrumentState {
  readonly descriptor: InstrumentDescriptor;
  readonly cells: Map<string, SumCell | HistogramCell>;
}

/**
 * Job metrics for one instrumentation scope, aggregated in process. Recording is a few additions
 * on a cell the caller already holds; the SDK sees the totals only when a reader collects them
 * through {@link QueuetelMetricProducer}. Every sum is cumulative since the store was created.
 */
export class AggregationStore implements MetricSink {
  readonly #instruments = new Map<string, InstrumentState>();
  readonly #startTime: HrTime = hrTimeNow();

  constructor(readonly scope: { readonly name: string; readonly version?: string }) {}

  counter(instrument: InstrumentDescriptor, attributes: Attributes): BoundCounter {
    return this.#bind(instrument, attributes, () => new SumCell(attributes));
  }

  histogram(instrument: InstrumentDescriptor, attributes: Attributes): BoundHistogram {
    return this.#bind(
      instrument,
      attributes,
      () => new HistogramCell(attributes, instrument.buckets ?? DURATION_BUCKETS),
    );
  }

  /**
   * The store's current totals, in the SDK's shape, with the exemplars recorded since
   * `exemplarsSince` (a `performance.now()` reading).
   */
  toScopeMetrics(endTime: HrTime, exemplarsSince = 0): ScopeMetrics {
    const metrics: MetricData[] = [];
    for (const { descriptor, cells } of this.#instruments.values()) {
      const recorded = [...cells.values()].filter(isRecorded);
      if (recorded.length === 0) continue;
      metrics.push(this.#toMetricData(descriptor, recorded, endTime, exemplarsSince));
    }
    return { scope: this.scope, metrics };
  }

  #bind<Cell extends SumCell | HistogramCell>(
    instrument: InstrumentDescriptor,
    attributes: Attributes,
    create: () => Cell,
  ): Cell {
    let state = this.#instruments.get(instrument.name);
    if (!state) {
      state = { descriptor: instrument, cells: new Map() };
      this.#instruments.set(instrument.name, state);
    }
    // Two instrumentations that bind the same attribute set share one cell, so the reader never
    // sees two points with equal attributes in one metric.
    const key = attributesKey(attributes);
    let cell = state.cells.get(key) as Cell | undefined;
    if (!cell) {
      cell = create();
      state.cells.set(key, cell);
    }
    return cell;
  }

  #toMetricData(
    descriptor: InstrumentDescriptor,
    cells: (SumCell | HistogramCell)[],
    endTime: HrTime,
    exemplarsSince: number,
  ): MetricData {
    const base = {
      descriptor: {
        name: descriptor.name,
        description: descriptor.description,
        unit: descriptor.unit,
        valueType: ValueType.DOUBLE,
      },
      aggregationTemporality: CUMULATIVE,
    };
    const startTime = this.#startTime;
    if (descriptor.kind === 'histogram') {
      const data: HistogramMetricData = {
        ...base,
        dataPointType: HISTOGRAM_POINT,
        dataPoints: (cells as HistogramCell[]).map((cell) => {
          const point = {
            startTime,
            endTime,
            attributes: cell.attributes,
            value: {
              buckets: { boundaries: [...cell.boundaries], counts: [...cell.counts] },
              sum: cell.sum,
              count: cell.count,
              ...(cell.count > 0 ? { min: cell.min, max: cell.max } : {}),
            },
          };
          const exemplars = cell.exemplars(exemplarsSince);
          return exemplars.length > 0 ? attachExemplars(point, exemplars) : point;
        }),
      };
      return data;
    }
    const data: SumMetricData = {
      ...base,
      dataPointType: SUM_POINT,
      isMonotonic: descriptor.kind === 'counter',
      dataPoints: (cells as SumCell[]).map((cell) => ({
        startTime,
        endTime,
        attributes: cell.attributes,
        value: cell.value,
      })),
    };
    return data;
  }
}

/** A stable identity for an attribute set, whatever order its keys were written in. */
export function attributesKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );
}

export function hrTimeNow(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
