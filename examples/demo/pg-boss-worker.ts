/** The pg-boss side: a queue with retries and a dead-letter queue, and an instrumented worker. */
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
import { DEAD_LETTER_QUEUE, DEMO_SCHEMA, QUEUE } from './database.js';
import { deliver, type Delivery } from './delivery.js';
import { PG_BOSS_LABELS } from './labels.js';

export interface PgBossSide {
  readonly send: (delivery: Delivery) => Promise<unknown>;
  /** Stops fetching, lets the jobs in flight finish, and closes pg-boss's connections. */
  stop(): Promise<void>;
}

export async function startPgBossSide(url: string, receiversUrl: string): Promise<PgBossSide> {
  const boss = new PgBoss({
    connectionString: url,
    schema: DEMO_SCHEMA,
    schedule: false,
    // Refreshed every second rather than every minute, for a view that moves: the queue counts the
    // health collector reads (supervise and monitor passes) and the instance registry.
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    instanceHeartbeatSeconds: 1,
    openTelemetry: { propagateContext: true },
  });
  boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
  const queuetel = instrumentPgBoss(boss, { labels: PG_BOSS_LABELS });
  await boss.start();
  await boss.createQueue(DEAD_LETTER_QUEUE);
  await boss.createQueue(QUEUE, {
    retryLimit: 3,
    retryDelay: 1,
    retryBackoff: true,
    deadLetter: DEAD_LETTER_QUEUE,
  });
  await boss.work(
    QUEUE,
    { batchSize: 2, localConcurrency: 4, pollingIntervalSeconds: 0.5 },
    queuetel.eachJob(async (job: { data: Delivery }) => deliver(receiversUrl, job.data)),
  );
  return {
    send: (delivery) => boss.send(QUEUE, delivery),
    stop: () => boss.stop({ graceful: true, timeout: 15_000 }),
  };
}
