import { AggregationStore, hrTimeNow } from './aggregation-store.js';
import type { MetricSource } from './metric-source.js';
import type { CollectionResult } from './sdk-data.js';

/**
 * Hands queuetel's pre-aggregated job metrics to an OpenTelemetry SDK at collection time. Give it
 * to a metric reader (`new PeriodicExportingMetricReader({ exporter, metricProducers: [producer] })`);
 * `@queuetel/node` does this for you.
 *
 * Data points are cumulative. Views and cardinality limits of the SDK do not apply to them; the
 * label caps of each instrumentation bound them instead.
 *
 * A histogram's exemplars go out once: each collection carries those recorded since the previous
 * one. With more than one reader, give each its own view, `metricProducers: [producer.forReader()]`,
 * so that one reader's collection does not take the exemplars another has yet to see.
 */
export class QueuetelMetricProducer implements ReaderProducer {
  readonly #stores = new Map<string, AggregationStore>();
  readonly #sources = new Set<MetricSource>();
  /** The reader the producer itself stands for, when a reader is given it directly. */
  readonly #ownReader = this.forReader();

  /** The store for one instrumentation scope, shared by every instrumentation of that scope. */
  storeFor(scope: { readonly name: string; readonly version?: string }): AggregationStore {
    let store = this.#stores.get(scope.name);
    if (!store) {
      store = new AggregationStore(scope);
      this.#stores.set(scope.name, store);
    }
    return store;
  }

  /** Collects `source` with the job metrics from now on; call the returned function to stop. */
  addSource(source: MetricSource): () => void {
    this.#sources.add(source);
    return () => {
      this.#sources.delete(source);
    };
  }

  collect(): Promise<CollectionResult> {
    return this.#ownReader.collect();
  }

  /** A producer for one more reader: the same metrics, with exemplars counted from its own collections. */
  forReader(): ReaderProducer {
    let collectedAt = 0;
    return {
      collect: () => {
        const since = collectedAt;
        collectedAt = performance.now();
        return this.#collectSince(since);
      },
    };
  }

  /** Everything collected now, with the exemplars recorded from `exemplarsSince` on (`performance.now()`). */
  #collectSince(exemplarsSince: number): Promise<CollectionResult> {
    const endTime = hrTimeNow();
    const scopeMetrics = [...this.#stores.values()].map((store) =>
      store.toScopeMetrics(endTime, exemplarsSince),
    );
    const errors: unknown[] = [];
    for (const source of this.#sources) {
      // A failing source costs its own data, never the job metrics collected beside it.
      try {
        scopeMetrics.push(source.collect(endTime));
      } catch (error) {
        errors.push(error);
      }
    }
    // A reader keeps its own resource and takes only the scope metrics of a producer.
    const resourceMetrics = { resource: undefined as never, scopeMetrics };
    return Promise.resolve({ resourceMetrics, errors });
  }
}

/** What a metric reader calls: the SDK's `MetricProducer`, in the shape core declares for itself. */
export interface ReaderProducer {
  collect(): Promise<CollectionResult>;
}

// Keyed by a global symbol so that the ESM and CommonJS copies of this package, if both are
// loaded, still agree on one producer.
const GLOBAL_PRODUCER = Symbol.for('queuetel.metric-producer');
type GlobalSlot = { [GLOBAL_PRODUCER]?: QueuetelMetricProducer };

/** Makes `producer` the default of every instrumentation created from now on. */
export function setGlobalMetricProducer(producer: QueuetelMetricProducer | undefined): void {
  (globalThis as GlobalSlot)[GLOBAL_PRODUCER] = producer;
}

/** The producer installed with {@link setGlobalMetricProducer}, if any. */
export function getGlobalMetricProducer(): QueuetelMetricProducer | undefined {
  return (globalThis as GlobalSlot)[GLOBAL_PRODUCER];
}
