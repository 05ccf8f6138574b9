import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueuetelConfigError } from '@queuetel/core';
import { PgmqClient } from '@queuetel/pgmq';
import { PgmqInstrumentation } from '@queuetel/pgmq/instrumentation';
import type { TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { consumeUntil, createPgmqDatabase, openPool } from '../harness/pgmq.js';

/**
 * PgmqInstrumentation registered as NodeSDK registers instrumentations, with providers that are not
 * the global ones: the clients it configures record with those providers and its options, while
 * it is enabled, and record nothing once it is disabled.
 */

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createPgmqDatabase('pgmq_instr');
  pool = openPool(db);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

async function roundTrip(client: PgmqClient, queue: string): Promise<void> {
  await client.create(queue);
  await client.send(queue, { tenant: 'acme' });
  let handled = 0;
  await consumeUntil(
    client,
    queue,
    () => {
      handled++;
    },
    { heartbeat: false },
    () => expect(handled).toBe(1),
  );
}

describe('PgmqInstrumentation', () => {
  it('hands the providers and its options to the clients made while it is enabled, and nothing once disabled', async () => {
    const otel = createTestTelemetry('meter');
    const instrumentation = new PgmqInstrumentation({ labels: { tenant: { from: 'message.tenant' } } });
    const unregister = registerInstrumentations({
      instrumentations: [instrumentation],
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    try {
      await roundTrip(new PgmqClient(pool), 'instr_on');
      const names = otel.spans().map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining(['send instr_on', 'receive instr_on', 'process instr_on', 'delete instr_on']),
      );
      const metrics = await otel.collect();
      expect(
        metrics.total('queuetel.job.duration', { 'queuetel.job.outcome': 'completed', tenant: 'acme' }),
      ).toBe(1);

      instrumentation.disable();
      otel.resetSpans();
      await roundTrip(new PgmqClient(pool), 'instr_off');
      expect(otel.spans()).toEqual([]);
      expect(
        (await otel.collect()).points('queuetel.job.outcomes', { 'messaging.destination.name': 'instr_off' }),
      ).toEqual([]);

      instrumentation.enable();
      await roundTrip(new PgmqClient(pool), 'instr_again');
      expect(otel.spans().map((span) => span.name)).toContain('process instr_again');
    } finally {
      unregister();
      await otel.shutdown();
    }
  });

  it('lets a client’s own options win over its own', async () => {
    const mine = createTestTelemetry('meter');
    const theirs = createTestTelemetry('meter');
    const unregister = registerInstrumentations({
      instrumentations: [new PgmqInstrumentation()],
      tracerProvider: theirs.tracerProvider,
      meterProvider: theirs.meterProvider,
    });
    try {
      await roundTrip(new PgmqClient(pool, { tracerProvider: mine.tracerProvider }), 'instr_own');
      expect(mine.spans().map((span) => span.name)).toContain('process instr_own');
      expect(theirs.spans()).toEqual([]);
    } finally {
      unregister();
      await mine.shutdown();
      await theirs.shutdown();
    }
  });

  it.each([
    [{ tracePolling: 'yes' }, 'tracePolling'],
    [{ labels: { le: { from: 'message.le' } } }, 'labels.le'],
  ])('refuses %j at construction, naming the field', (config, field) => {
    expect(() => new PgmqInstrumentation(config as never)).toThrow(QueuetelConfigError);
    expect(() => new PgmqInstrumentation(config as never)).toThrow(`'${field}'`);
  });
});
