import {
  metrics,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { InstrumentDescriptor } from './instruments.js';
import type { BoundCounter, BoundHistogram, MetricSink } from './sink.js';

type AnyInstrument = Counter | UpDownCounter | Histogram;

/**
 * Job metrics through the plain Meter API, for any SDK a user already has. Each record is one SDK
 * call, which hashes its attribute set; the {@link AggregationStore} path avoids that cost.
 */
export class MeterSink implements MetricSink {
  readonly #explicitProvider: MeterProvider | undefined;
  readonly #scope: { readonly name: string; readonly version?: string };
  #provider: MeterProvider | undefined;
  #instruments = new Map<string, AnyInstrument>();

  constructor(scope: { readonly name: string; readonly version?: string }, provider?: MeterProvider) {
    this.#scope = scope;
    this.#explicitProvider = provider;
  }

  counter(instrument: InstrumentDescriptor, attributes: Attributes): BoundCounter {
    return { add: (value) => (this.#instrument(instrument) as Counter).add(value, attributes) };
  }

  histogram(instrument: InstrumentDescriptor, attributes: Attributes): BoundHistogram {
    return { record: (value) => (this.#instrument(instrument) as Histogram).record(value, attributes) };
  }

  #instrument(descriptor: InstrumentDescriptor): AnyInstrument {
    // The global meter provider has no proxy: a meter taken before an SDK registers stays a no-op.
    // Checking which provider is current on each use lets an SDK started later still get data.
    const provider = this.#explicitProvider ?? metrics.getMeterProvider();
    if (provider !== this.#provider) {
      this.#provider = provider;
      this.#instruments = new Map();
    }
    let instrument = this.#instruments.get(descriptor.name);
    if (!instrument) {
      instrument = create(provider.getMeter(this.#scope.name, this.#scope.version), descriptor);
      this.#instruments.set(descriptor.name, instrument);
    }
    return instrument;
  }
}

function create(meter: Meter, descriptor: InstrumentDescriptor): AnyInstrument {
  const options = { description: descriptor.description, unit: descriptor.unit };
  switch (descriptor.kind) {
    case 'counter':
      return meter.createCounter(descriptor.name, options);
    case 'updown':
      return meter.createUpDownCounter(descriptor.name, options);
    case 'histogram':
      return meter.createHistogram(descriptor.name, {
        ...options,
        advice: descriptor.buckets ? { explicitBucketBoundaries: [...descriptor.buckets] } : undefined,
      });
  }
}
