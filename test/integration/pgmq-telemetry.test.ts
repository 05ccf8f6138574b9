import { SpanKind, SpanStatusCode, type TextMapPropagator } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgmqClient, type PgmqMessage, type PgmqOptions } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type TestTelemetry } from '../harness/otel.js';
import { consumeUntil, createPgmqDatabase, openPool } from '../harness/pgmq.js';

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createPgmqDatabase('pgmq_telemetry');
  pool = openPool(db);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

function setup(queue: string, options: PgmqOptions = {}) {
  const otel = createTestTelemetry();
  const pgmq = new PgmqClient(pool, { ...otel.providers, ...options });
  return { otel, pgmq, create: () => pgmq.create(queue) };
}

const named = (otel: TestTelemetry, name: string): ReadableSpan[] =>
  otel.spans().filter((span) => span.name === name);

describe('pgmq telemetry', () => {
  it('continues the trace from send to process across headers that already hold other keys', async () => {
    const { otel, pgmq, create } = setup('traced', {
      producerRelationship: 'child',
      labels: { project: { from: 'headers.x-project' }, kind: { from: 'message.kind' } },
    });
    await create();
    const id = await pgmq.send(
      'traced',
      { kind: 'invoice' },
      { headers: { 'x-pgmq-group': 'user-7', 'x-project': 'acme' } },
    );
    const [stored] = await db.query<{ headers: Record<string, string> }>('SELECT headers FROM pgmq.q_traced');
    expect(Object.keys(stored!.headers).sort()).toEqual(['traceparent', 'x-pgmq-group', 'x-project']);
    expect(stored!.headers['x-pgmq-group']).toBe('user-7');

    const seen: PgmqMessage[] = [];
    await consumeUntil(
      pgmq,
      'traced',
      async (message) => void seen.push(message),
      {},
      () => expect(seen).toHaveLength(1),
    );
    // The handler sees the headers as stored, the sender's keys included.
    expect(seen[0]!.headers).toEqual(stored!.headers);

    const [send] = named(otel, 'send traced');
    const [process] = named(otel, 'process traced');
    expect(send!.kind).toBe(SpanKind.PRODUCER);
    expect(send!.attributes).toMatchObject({
      'messaging.system': 'pgmq',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'traced',
      'messaging.message.id': id,
    });
    expect(stored!.headers.traceparent).toBe(
      `00-${send!.spanContext().traceId}-${send!.spanContext().spanId}-01`,
    );
    expect(process!.kind).toBe(SpanKind.CONSUMER);
    expect(process!.spanContext().traceId).toBe(send!.spanContext().traceId);
    expect(process!.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
    expect(process!.attributes).toMatchObject({
      'messaging.system': 'pgmq',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'traced',
      'messaging.message.id': id,
      'queuetel.job.attempt': 1,
      'queuetel.job.retry_count': 0,
      project: 'acme',
      kind: 'invoice',
    });
    expect(process!.attributes['queuetel.job.wait_time']).toBeGreaterThanOrEqual(0);

    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'traced', project: 'acme', kind: 'invoice' };
    expect(metrics.total('queuetel.job.duration', { ...where, 'queuetel.job.outcome': 'completed' })).toBe(1);
    expect(metrics.total('queuetel.job.wait_time', where)).toBe(1);
    expect(
      metrics.total('messaging.client.consumed.messages', { 'messaging.destination.name': 'traced' }),
    ).toBe(1);
  });

  it('links the process span to the producer by default, in a trace of its own', async () => {
    const { otel, pgmq, create } = setup('linked');
    await create();
    await pgmq.send('linked', { n: 1 }, { headers: { 'x-pgmq-group': 'g' } });
    let handled = 0;
    await consumeUntil(
      pgmq,
      'linked',
      async () => void handled++,
      {},
      () => expect(handled).toBe(1),
    );
    const [send] = named(otel, 'send linked');
    const [process] = named(otel, 'process linked');
    expect(process!.parentSpanContext).toBeUndefined();
    expect(process!.spanContext().traceId).not.toBe(send!.spanContext().traceId);
    expect(process!.links.map((link) => link.context.spanId)).toEqual([send!.spanContext().spanId]);
  });

  it('makes one receive span for a read that returns messages, linked to each producer', async () => {
    const { otel, pgmq, create } = setup('received');
    await create();
    await pgmq.send('received', 1);
    await pgmq.send('received', 2);
    const messages = await pgmq.read('received', 30, 10);
    expect(messages).toHaveLength(2);
    const receives = named(otel, 'receive received');
    expect(receives).toHaveLength(1);
    expect(receives[0]!.kind).toBe(SpanKind.CLIENT);
    expect(receives[0]!.attributes).toMatchObject({
      'messaging.operation.name': 'receive',
      'messaging.operation.type': 'receive',
      'messaging.batch.message_count': 2,
    });
    expect(receives[0]!.links.map((link) => link.context.spanId).sort()).toEqual(
      named(otel, 'send received')
        .map((span) => span.spanContext().spanId)
        .sort(),
    );
  });

  it('makes no span for an empty poll, only a receive duration', async () => {
    const { otel, pgmq, create } = setup('idle');
    await create();
    expect(await pgmq.read('idle', 30, 10)).toEqual([]);
    expect(await pgmq.readWithPoll('idle', 30, 10, 1, 50)).toEqual([]);
    expect(await pgmq.pop('idle')).toEqual([]);
    // A consumer polling an empty queue makes none either.
    let polls = 0;
    const countPolls = async () => {
      const metrics = await otel.collect();
      polls = metrics.total('messaging.client.operation.duration', {
        'messaging.destination.name': 'idle',
        'messaging.operation.name': 'receive',
      });
      expect(polls).toBeGreaterThanOrEqual(6);
    };
    await consumeUntil(pgmq, 'idle', async () => {}, { pollIntervalMs: 10 }, countPolls);
    expect(otel.spans()).toEqual([]);
    expect(polls).toBeGreaterThanOrEqual(6);
  });

  it('makes one span and one sent-messages increment of 50 for a batch of 50 sends', async () => {
    const { otel, pgmq, create } = setup('bulk');
    await create();
    const ids = await pgmq.sendBatch(
      'bulk',
      Array.from({ length: 50 }, (_, i) => ({ i })),
    );
    expect(ids).toHaveLength(50);
    const sends = otel.spans().filter((span) => span.name.startsWith('send'));
    expect(sends).toHaveLength(1);
    expect(sends[0]!.name).toBe('send bulk');
    expect(sends[0]!.attributes['messaging.batch.message_count']).toBe(50);
    expect(sends[0]!.attributes['messaging.message.id']).toBeUndefined();

    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'bulk', 'messaging.operation.name': 'send' };
    expect(metrics.points('messaging.client.sent.messages', where)).toHaveLength(1);
    expect(metrics.total('messaging.client.sent.messages', where)).toBe(50);
    // One operation, not fifty.
    expect(metrics.total('messaging.client.operation.duration', where)).toBe(1);
    // Every message carries the batch span's context.
    const parents = await db.query<{ traceparent: string }>(
      "SELECT DISTINCT headers->>'traceparent' AS traceparent FROM pgmq.q_bulk",
    );
    expect(parents).toEqual([
      { traceparent: `00-${sends[0]!.spanContext().traceId}-${sends[0]!.spanContext().spanId}-01` },
    ]);
  });

  it('ignores headers that are malformed or not an object, and still runs every message', async () => {
    const { otel, pgmq, create } = setup('odd_headers', {
      producerRelationship: 'child',
      labels: { project: { from: 'headers.x-project' } },
    });
    await create();
    // Written by other producers, straight through pgmq's SQL.
    const odd = [
      `'"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"'`,
      `'["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]'`,
      `'42'`,
      `'{"traceparent": 7, "x-project": {"nested": true}}'`,
      `'{"traceparent": "not-a-trace-context", "x-project": "acme"}'`,
      `'{"traceparent": "00-00000000000000000000000000000000-0000000000000000-01"}'`,
    ];
    for (const headers of odd)
      await db.query(`SELECT pgmq.send('odd_headers', '{}'::jsonb, ${headers}::jsonb)`);

    const handled: unknown[] = [];
    await consumeUntil(
      pgmq,
      'odd_headers',
      async (message) => void handled.push(message.headers),
      { concurrency: 6 },
      () => expect(handled).toHaveLength(6),
    );
    expect(handled).toContain('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(handled).toContain(42);

    const process = named(otel, 'process odd_headers');
    expect(process).toHaveLength(6);
    for (const span of process) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.links).toEqual([]);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    const metrics = await otel.collect();
    // Attempts by label: the duration histogram's count.
    const completed = (project: string) =>
      metrics.total('queuetel.job.duration', {
        'messaging.destination.name': 'odd_headers',
        'queuetel.job.outcome': 'completed',
        project,
      });
    expect(completed('_missing')).toBe(4);
    expect(completed('_invalid')).toBe(1);
    expect(completed('acme')).toBe(1);
  });

  it("reads each message's trace context once, for both its receive link and its process parent", async () => {
    const w3c = new W3CTraceContextPropagator();
    let extractions = 0;
    const counting: TextMapPropagator = {
      inject: (ctx, carrier, setter) => w3c.inject(ctx, carrier, setter),
      extract: (ctx, carrier, getter) => {
        extractions++;
        return w3c.extract(ctx, carrier, getter);
      },
      fields: () => w3c.fields(),
    };
    const { otel, pgmq, create } = setup('extract_once', {
      propagator: counting,
      producerRelationship: 'child',
    });
    await create();
    await pgmq.sendBatch('extract_once', [1, 2, 3]);
    let handled = 0;
    await consumeUntil(
      pgmq,
      'extract_once',
      () => void handled++,
      { concurrency: 3 },
      () => expect(handled).toBe(3),
    );
    expect(extractions).toBe(3);
    const [send] = named(otel, 'send extract_once');
    const receives = named(otel, 'receive extract_once');
    expect(receives.flatMap((span) => span.links.map((link) => link.context.spanId))).toEqual(
      Array.from({ length: 3 }, () => send!.spanContext().spanId),
    );
    for (const process of named(otel, 'process extract_once')) {
      expect(process.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
    }
  });
});
