import { instrumentPgBoss, type PgBossJob } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
import { createBenchSdk, type BenchSdk } from '../lib/otel-sdk.js';
import { BENCH_LABELS } from '../lib/workload.js';
import type { Configuration, ConsumeSettings, Payload, QueueSystem, SystemOptions } from './system.js';

const SCHEMA = 'pgboss_bench';
// A backlog goes in as one statement, so workers find it whole instead of chasing a stream of
// smaller inserts; pg-boss takes the jobs as one JSON array parameter.
const INSERT_CHUNK = 50_000;

/**
 * How each configuration turns on telemetry. Every one is pg-boss 12.38 on the same schema; the
 * telemetry ones get an OpenTelemetry SDK of their own (sampled, batch span processor, exporters that
 * discard, metrics collected every 5 s as an exporting application would).
 */
const SETUPS: Record<string, Setup> = {
  bare: { label: 'bare pg-boss', builtIn: false, queuetel: false },
  'built-in': { label: 'pg-boss built-in telemetry', builtIn: true, queuetel: false },
  queuetel: { label: 'queuetel', builtIn: false, queuetel: true },
  'queuetel+built-in': { label: 'queuetel + built-in', builtIn: true, queuetel: true },
  'queuetel-each-job': { label: 'queuetel, eachJob', builtIn: false, queuetel: true, eachJob: true },
  'bare+metadata': {
    label: 'bare pg-boss + includeMetadata',
    builtIn: false,
    queuetel: false,
    metadata: true,
  },
};

interface Setup {
  readonly label: string;
  /** pg-boss's own OpenTelemetry support is on. */
  readonly builtIn: boolean;
  /** queuetel instruments the instance. */
  readonly queuetel: boolean;
  /** The handler is wrapped in queuetel's `eachJob`, which gives every job its own span. */
  readonly eachJob?: boolean;
  /** Fetch with `includeMetadata`, which queuetel asks for; isolates what that costs on its own. */
  readonly metadata?: boolean;
}

export const PG_BOSS_SYSTEM: QueueSystem = {
  id: 'pg-boss',
  label: 'pg-boss 12.38',
  configurations: ['bare', 'built-in', 'queuetel', 'queuetel+built-in', 'queuetel-each-job'],
  attribution: ['bare', 'bare+metadata', 'queuetel', 'queuetel-each-job'],
  consumption:
    'Bursts are on (`burstWhenBatchFull`, or `burstWhenReadyExceeds` for a batch of one), so polling does not' +
    ' set the pace. The handler runs the jobs of a batch one after the other, as a plain loop or through `eachJob`.',
  sweeps: true,
  async start(ids, options) {
    const started: Configuration[] = [];
    // One at a time: the first start creates the schema, and the others then find it ready.
    for (const id of ids) {
      const setup = SETUPS[id];
      if (!setup) throw new Error(`pg-boss has no configuration '${id}'`);
      started.push(await startConfiguration(id, setup, options));
    }
    return started;
  },
};

async function startConfiguration(id: string, setup: Setup, options: SystemOptions): Promise<Configuration> {
  const sdk: BenchSdk | undefined =
    setup.builtIn || setup.queuetel
      ? createBenchSdk({ sampled: true, exportIntervalMillis: 5000 })
      : undefined;
  const boss = new PgBoss({
    connectionString: options.url,
    schema: SCHEMA,
    max: options.poolSize,
    schedule: false,
    useListenNotify: true,
    // The queue statistics behind `burstWhenReadyExceeds` (the only burst a batch of one has) are
    // refreshed every second rather than every minute, so a backlog is noticed within a trial.
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    queueCacheIntervalSeconds: 1,
    openTelemetry:
      setup.builtIn && sdk
        ? { propagateContext: true, tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider }
        : { enabled: false },
  });
  const errors: unknown[] = [];
  boss.on('error', (error: unknown) => errors.push(error));
  const instrumentation =
    setup.queuetel && sdk
      ? instrumentPgBoss(boss, {
          tracerProvider: sdk.tracerProvider,
          metricProducer: sdk.metricProducer,
          labels: BENCH_LABELS,
          builtInTelemetry: setup.builtIn,
        })
      : undefined;
  await boss.start();

  const checkErrors = () => {
    if (errors.length > 0) throw new Error(`pg-boss (${id}) reported: ${String(errors[0])}`);
  };

  return {
    id,
    label: setup.label,
    instrumented: setup.queuetel,
    async createQueue(queue, settings) {
      await boss.createQueue(queue, { notify: settings.notify });
    },
    async deleteQueue(queue) {
      await boss.deleteQueue(queue);
      checkErrors();
    },
    async enqueue(queue, payloads) {
      for (let i = 0; i < payloads.length; i += INSERT_CHUNK) {
        await boss.insert(
          queue,
          payloads.slice(i, i + INSERT_CHUNK).map((data) => ({ data: { ...data } })),
        );
      }
    },
    async consume(queue, settings, onJob) {
      // The handler a user writes: each job of the batch in turn. With eachJob, queuetel runs that
      // loop itself and gives each job its own span.
      const handler =
        instrumentation && setup.eachJob
          ? instrumentation.eachJob<PgBossJob<Payload>>((job) => onJob(job.data))
          : async (jobs: PgBossJob<Payload>[]) => {
              for (const job of jobs) await onJob(job.data);
            };
      const work = { ...workOptions(settings), ...(setup.metadata ? { includeMetadata: true } : {}) };
      await boss.work<Payload>(queue, work, handler as Parameters<typeof boss.work<Payload>>[2]);
      return async () => {
        await boss.offWork(queue, { wait: true });
        checkErrors();
      };
    },
    async close() {
      await boss.stop({ graceful: false, timeout: 5000 });
      await sdk?.shutdown();
    },
  };
}

/** The same work() options for every configuration; queuetel adds `includeMetadata` itself. */
function workOptions(settings: ConsumeSettings) {
  return {
    batchSize: settings.batchSize,
    localConcurrency: settings.concurrency,
    pollingIntervalSeconds: settings.pollingSeconds,
    ...(settings.burst
      ? settings.batchSize > 1
        ? { burstWhenBatchFull: true }
        : { burstWhenReadyExceeds: 1 }
      : {}),
  };
}
