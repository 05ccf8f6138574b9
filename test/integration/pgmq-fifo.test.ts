import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgmqClient, type PgmqMessage } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { consumeUntil, createPgmqDatabase, openPool } from '../harness/pgmq.js';

interface Step {
  group: string;
  n: number;
}

const GROUPS = ['g0', 'g1', 'g2', 'g3', 'g4'];
const PER_GROUP = 8;

// Grouped reads arrived in pgmq 1.8 (round robin in 1.9): the 1.11 and 1.12 fixtures have them, in
// the row shape of 1.10 and later; 1.5 refuses the option (pgmq-versions.test.ts).
describe.each(['1.11', '1.12'] as const)('consume({ fifo }) on pgmq %s', (version) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let pgmq: PgmqClient;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_fifo_${version.replace('.', '_')}`, version);
    pool = openPool(db, 16);
    pgmq = new PgmqClient(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it.each([true, 'round-robin'] as const)(
    'keeps each group in order with concurrency 10 (fifo: %s) while one group retries a failing message',
    async (fifo) => {
      const queue = `fifo_${fifo === true ? 'fill' : 'rr'}`;
      await pgmq.create(queue);
      // Interleaved sends, so a plain read would mix the groups.
      const messages: Step[] = [];
      for (let n = 0; n < PER_GROUP; n++) for (const group of GROUPS) messages.push({ group, n });
      await pgmq.sendBatch(queue, messages, {
        headers: messages.map(({ group }) => ({ 'x-pgmq-group': group })),
      });

      const done: Step[] = [];
      const attempts: { step: Step; at: number; ok: boolean }[] = [];
      let running = 0;
      let peak = 0;
      let failuresLeft = 2;
      const handler = async ({ message }: PgmqMessage<Step>) => {
        running++;
        peak = Math.max(peak, running);
        try {
          // A little work, so that groups overlap.
          await new Promise((resolve) => setImmediate(resolve));
          if (message.group === 'g2' && message.n === 3 && failuresLeft > 0) {
            failuresLeft--;
            attempts.push({ step: message, at: done.length, ok: false });
            throw new Error('g2#3 fails twice');
          }
          attempts.push({ step: message, at: done.length, ok: true });
          done.push(message);
        } finally {
          running--;
        }
      };
      await consumeUntil(pgmq, queue, handler, { fifo, concurrency: 10, maxReads: 20, backoff: 1 }, () =>
        expect(done).toHaveLength(GROUPS.length * PER_GROUP),
      );

      for (const group of GROUPS) {
        expect(
          done.filter((step) => step.group === group).map((step) => step.n),
          group,
        ).toEqual([...Array(PER_GROUP).keys()]);
      }
      // The failing message ran three times, and nothing of its group ran between its attempts.
      const g2 = attempts.filter(({ step }) => step.group === 'g2');
      const tries = g2.filter(({ step }) => step.n === 3).map(({ ok }) => ok);
      expect(tries).toEqual([false, false, true]);
      const firstFailure = attempts.findIndex(({ step, ok }) => step.group === 'g2' && !ok);
      const success = attempts.findIndex(({ step, ok }) => step.group === 'g2' && step.n === 3 && ok);
      expect(
        g2.filter(({ step }, i) => step.n > 3 && i >= 0).every(({ at }) => at > attempts[success]!.at),
      ).toBe(true);
      // Other groups went on while g2 waited out its backoff.
      const othersMeanwhile = attempts
        .slice(firstFailure, success)
        .filter(({ step, ok }) => step.group !== 'g2' && ok).length;
      expect(othersMeanwhile).toBeGreaterThan(0);
      if (fifo === 'round-robin') expect(peak).toBeGreaterThan(1);
      // Nothing left behind.
      expect(await db.query(`SELECT 1 FROM pgmq.q_${queue}`)).toHaveLength(0);
    },
  );
});
