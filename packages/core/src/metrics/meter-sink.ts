import {
  metrics,
  type Attributes,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableCounter,
  type ObservableResult,
  type ObservableUpDownCounter,
} from '@opentelemetry/api';
import { attributesKey } from './aggregation-store.js';
import { SumCell } from './cells.js';
import type { InstrumentDescriptor } from './instruments.js';
import type { BoundCounter, BoundHistogram, MetricSink } from './sink.js';

type Scope = { readonly name: string; readonly version?: string };

interface ObservedSum {
  readonly descriptor: InstrumentDescriptor;
  readonly cells: Map<string, SumCell>;
  readonly observe: (result: ObservableResult) => void;
}

/**
 * Job metrics through the plain Meter API, for any SDK a user already has.
 *
 * Counters are summed in process and reported through observable instruments when the SDK
 * collects, so a job pays a few additions for them rather than an SDK call each. Histograms have
 * no observable form in the API, so each histogram record is one SDK call, which hashes its
 * attribute set; the {@link AggregationStore} path avoids even that.
 *
 * One sink serves every instrumentation of a scope on a provider, so two instrumentations that
 * bind the same attribute set share one sum instead of reporting it twice.
 */
export class MeterSink implements MetricSink {
  static #global = new Map<string, MeterSink>();
  static #explicit = new WeakMap<MeterProvider, Map<string, MeterSink>>();

  /** The sink for `scope` on `provider`, or on whichever provider is global when unset. */
  static shared(scope: Scope, provider?: MeterProvider): MeterSink {
    let byScope = provider ? MeterSink.#explicit.get(provider) : MeterSink.#global;
    if (!byScope) {
      byScope = new Map();
      MeterSink.#explicit.set(provider!, byScope);
    }
    let sink = byScope.get(scope.name);
    if (!sink) {
      sink = new MeterSink(scope, provider);
      byScope.set(scope.name, sink);
    }
    return sink;
  }

  readonly #scope: Scope;
  readonly #explicitProvider: MeterProvider | undefined;
  readonly #sums = new Map<string, ObservedSum>();
  #provider: MeterProvider | undefined;
  #meter: Meter | undefined;
  #histograms = new Map<string, Histogram>();
  #observables: (ObservableCounter | ObservableUpDownCounter)[] = [];

  private constructor(scope: Scope, provider: MeterProvider | undefined) {
    this.#scope = scope;
    this.#explicitProvider = provider;
  }

  counter(instrument: InstrumentDescriptor, attributes: Attributes): BoundCounter {
    let sum = this.#sums.get(instrument.name);
    if (!sum) {
      const cells = new Map<string, SumCell>();
      sum = {
        descriptor: instrument,
        cells,
        observe: (result) => {
          for (const cell of cells.values()) if (cell.recorded) result.observe(cell.value, cell.attributes);
        },
      };
      this.#sums.set(instrument.name, sum);
      if (this.#meter) this.#observe(this.#meter, sum);
    }
    this.#currentMeter();
    const key = attributesKey(attributes);
    let cell = sum.cells.get(key);
    if (!cell) {
      cell = new SumCell(attributes);
      sum.cells.set(key, cell);
    }
    return cell;
  }

  histogram(instrument: InstrumentDescriptor, attributes: Attributes): BoundHistogram {
    return { record: (value) => this.#histogram(instrument).record(value, attributes) };
  }

  #histogram(descriptor: InstrumentDescriptor): Histogram {
    const meter = this.#currentMeter();
    let histogram = this.#histograms.get(descriptor.name);
    if (!histogram) {
      histogram = meter.createHistogram(descriptor.name, {
        description: descriptor.description,
        unit: descriptor.unit,
        advice: descriptor.buckets ? { explicitBucketBoundaries: [...descriptor.buckets] } : undefined,
      });
      this.#histograms.set(descriptor.name, histogram);
    }
    return histogram;
  }

  /**
   * The meter of the current provider. The global meter provider has no proxy: a meter taken
   * before an SDK registers stays a no-op. Checking which provider is current on each use lets an
   * SDK started later still get data, with the sums carried over.
   */
  #currentMeter(): Meter {
    const provider = this.#explicitProvider ?? metrics.getMeterProvider();
    if (provider !== this.#provider || !this.#meter) {
      for (const observable of this.#observables) {
        for (const sum of this.#sums.values()) observable.removeCallback(sum.observe);
      }
      this.#observables = [];
      this.#histograms = new Map();
      this.#provider = provider;
      this.#meter = provider.getMeter(this.#scope.name, this.#scope.version);
      for (const sum of this.#sums.values()) this.#observe(this.#meter, sum);
    }
    return this.#meter;
  }

  #observe(meter: Meter, sum: ObservedSum): void {
    const { descriptor } = sum;
    const options = { description: descriptor.description, unit: descriptor.unit };
    const observable =
      descriptor.kind === 'updown'
        ? meter.createObservableUpDownCounter(descriptor.name, options)
        : meter.createObservableCounter(descriptor.name, options);
    observable.addCallback(sum.observe);
    this.#observables.push(observable);
  }
}
