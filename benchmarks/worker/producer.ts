import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
import type { Progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';
import { BENCH_LABELS, jobLabels } from '../lib/workload.js';
import type { Fleet } from './fleet.js';
import { PG_BOSS_SCHEMA } from './protocol.js';

const PRODUCERS = {
  bare: 'bare `send()`',
  'built-in': "pg-boss's built-in telemetry",
  queuetel: 'queuetel quick start (beside built-in)',
  'queuetel-alone': 'queuetel, built-in telemetry off',
} as const;
type ProducerId = keyof typeof PRODUCERS;
const ROUNDS = 8;

export interface ProducerResult {
  readonly sends: number;
  readonly configurations: {
    readonly id: ProducerId;
    readonly label: string;
    /** Wall-clock µs per awaited send(), one value per round. */
    readonly wallMicros: Summary;
    /** CPU µs of the producing process per send, one value per round. */
    readonly cpuMicros: Summary;
    /** CPU µs per send over bare, per round; null for bare. */
    readonly cpuOverBare: Summary | null;
  }[];
}

/**
 * What a producer pays: awaited `send()` calls, one after another, from the driver process, in
 * interleaved rounds. Each configuration is its own PgBoss instance on the same schema.
 */
export async function measureProducer(
  fleet: Fleet,
  sends: number,
  progress: Progress,
): Promise<ProducerResult> {
  const url = fleet.url;
  const queue = 'bench_producer';
  const instances = new Map<ProducerId, PgBoss>();
  try {
    for (const id of Object.keys(PRODUCERS) as ProducerId[]) {
      const builtIn = id === 'built-in' || id === 'queuetel';
      const boss = new PgBoss({
        connectionString: url,
        schema: PG_BOSS_SCHEMA,
        schedule: false,
        supervise: false,
        openTelemetry: builtIn
          ? {
              propagateContext: true,
              tracerProvider: fleet.sdk.tracerProvider,
              meterProvider: fleet.sdk.meterProvider,
            }
          : { enabled: false },
      });
      if (id === 'queuetel' || id === 'queuetel-alone') {
        instrumentPgBoss(boss, {
          tracerProvider: fleet.sdk.tracerProvider,
          metricProducer: fleet.sdk.metricProducer,
          labels: BENCH_LABELS,
        });
      }
      await boss.start();
      instances.set(id, boss);
    }
    await instances.get('bare')!.createQueue(queue);
    const wall = new Map<ProducerId, number[]>();
    const cpu = new Map<ProducerId, number[]>();
    const perRound = Math.max(1, Math.round(sends / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      const ids = [...instances.keys()];
      for (const id of [...ids.slice(round % ids.length), ...ids.slice(0, round % ids.length)]) {
        progress.update(`producer: round ${round + 1} of ${ROUNDS}, ${id}`);
        const boss = instances.get(id)!;
        const cpuBefore = process.cpuUsage();
        const startedAt = performance.now();
        for (let i = 0; i < perRound; i++) await boss.send(queue, { sentAt: 0, ...jobLabels(i) });
        const used = process.cpuUsage(cpuBefore);
        wall.set(id, [...(wall.get(id) ?? []), ((performance.now() - startedAt) * 1000) / perRound]);
        cpu.set(id, [...(cpu.get(id) ?? []), (used.user + used.system) / perRound]);
      }
    }
    await instances.get('bare')!.deleteQueue(queue);
    const bareCpu = cpu.get('bare')!;
    return {
      sends: perRound * ROUNDS,
      configurations: [...instances.keys()].map((id) => ({
        id,
        label: PRODUCERS[id],
        wallMicros: summarize(wall.get(id)!),
        cpuMicros: summarize(cpu.get(id)!),
        cpuOverBare: id === 'bare' ? null : summarize(cpu.get(id)!.map((value, i) => value - bareCpu[i]!)),
      })),
    };
  } finally {
    for (const boss of instances.values()) await boss.stop({ graceful: false, timeout: 5000 });
  }
}
