import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, INSTRUMENTS } from '@queuetel/core';
import { HEALTH_INSTRUMENTS, OBSERVED_INSTRUMENTS } from './instruments.js';
import type { HealthOutput } from './output.js';
import { observedPoints, type GaugeView } from './points.js';

/**
 * The collector's metrics through the plain Meter API, for any SDK. One caveat the producer path
 * does not have: the OpenTelemetry JS SDK (2.x), with cumulative temporality, keeps exporting the
 * last value of an observable series that a callback no longer reports, so while the database is
 * down the queue gauges read as their last values instead of going silent.
 */
export class MeterOutput implements HealthOutput {
  readonly #meter: Meter;
  readonly #duration: Histogram;
  readonly #errors: Counter;
  readonly #outcomes: Counter;
  readonly #observables: Observable[];
  readonly #callback: BatchObservableCallback;

  constructor(meter: Meter, view: () => GaugeView) {
    this.#meter = meter;
    const observables = new Map<string, Observable>();
    for (const instrument of OBSERVED_INSTRUMENTS) {
      const options = { description: instrument.description, unit: instrument.unit };
      observables.set(
        instrument.name,
        instrument.kind === 'counter'
          ? meter.createObservableCounter(instrument.name, options)
          : meter.createObservableGauge(instrument.name, options),
      );
    }
    this.#observables = [...observables.values()];
    const { duration, errors } = HEALTH_INSTRUMENTS;
    this.#duration = meter.createHistogram(duration.name, {
      description: duration.description,
      unit: duration.unit,
      advice: { explicitBucketBoundaries: [...duration.buckets] },
    });
    this.#errors = meter.createCounter(errors.name, { description: errors.description, unit: errors.unit });
    const { jobOutcomes } = INSTRUMENTS;
    this.#outcomes = meter.createCounter(jobOutcomes.name, {
      description: jobOutcomes.description,
      unit: jobOutcomes.unit,
    });
    this.#callback = (result) => {
      for (const point of observedPoints(view())) {
        result.observe(observables.get(point.instrument.name)!, point.value, point.attributes);
      }
    };
    meter.addBatchObservableCallback(this.#callback, this.#observables);
  }

  recordCollection(durationSeconds: number): void {
    this.#duration.record(durationSeconds);
  }

  recordError(errorType: string): void {
    this.#errors.add(1, { [ATTR_ERROR_TYPE]: errorType });
  }

  recordOutcomes(attributes: Attributes, count: number): void {
    this.#outcomes.add(count, attributes);
  }

  detach(): void {
    this.#meter.removeBatchObservableCallback(this.#callback, this.#observables);
  }
}
