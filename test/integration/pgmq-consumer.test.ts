import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgmqClient, type ConsumeErrorContext, type PgmqOptions } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually } from '../harness/pg-boss.js';
import {
  PGMQ_ROW_SHAPES,
  consumeUntil,
  createPgmqDatabase,
  openPool,
  watchQueries,
} from '../harness/pgmq.js';

describe.each(PGMQ_ROW_SHAPES)('the pgmq consumer on pgmq %s rows', (shape) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_consumer_${shape.replace('.', '_')}`, shape);
    pool = openPool(db, 16);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  function setup(options: PgmqOptions = {}) {
    const otel = createTestTelemetry();
    const pgmq = new PgmqClient(pool, { ...otel.providers, ...options });
    return { otel, pgmq };
  }
  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM pgmq.${table}`))[0]!.n);

  it('counts a message that fails twice and then succeeds as 3 attempts, 2 retries and 1 completion', async () => {
    const { otel, pgmq } = setup({ labels: { project: { from: 'message.project' } } });
    await pgmq.create('flaky');
    const id = await pgmq.send('flaky', { project: 'acme' });
    let runs = 0;
    await consumeUntil(
      pgmq,
      'flaky',
      async () => {
        runs++;
        if (runs <= 2) throw new Error(`attempt ${runs} failed`);
      },
      { backoff: 0, maxReads: 5 },
      async () => expect(await count('q_flaky')).toBe(0),
    );
    expect(runs).toBe(3);

    const process = otel.spans().filter((span) => span.name === 'process flaky');
    expect(process.map((span) => span.attributes['queuetel.job.attempt'])).toEqual([1, 2, 3]);
    expect(process.map((span) => span.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(new Set(process.map((span) => span.attributes['messaging.message.id']))).toEqual(new Set([id]));

    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'flaky', project: 'acme' };
    // Attempts, outcomes and jobs in flight are per queue; wait times and durations carry the
    // labels, and the duration's count counts the attempts by label.
    const queue = { 'messaging.destination.name': 'flaky' };
    const outcome = (name: string) =>
      metrics.total('queuetel.job.outcomes', { ...queue, 'queuetel.job.outcome': name });
    expect(metrics.total('queuetel.job.attempts', queue)).toBe(3);
    expect(outcome('retried')).toBe(2);
    expect(outcome('completed')).toBe(1);
    expect(outcome('failed')).toBe(0);
    expect(outcome('dead_lettered')).toBe(0);
    expect(metrics.total('queuetel.job.outcomes', { ...queue, 'error.type': 'Error' })).toBe(2);
    expect(metrics.total('queuetel.job.duration', { ...where, 'queuetel.job.outcome': 'retried' })).toBe(2);
    expect(metrics.total('queuetel.job.duration', { ...where, 'error.type': 'Error' })).toBe(2);
    expect(metrics.total('queuetel.job.in_flight', queue)).toBe(0);
    expect(metrics.total('queuetel.job.wait_time', where)).toBe(3);
    // Deleted on success (the default), after two backoffs through set_vt.
    expect(await count('a_flaky')).toBe(0);
    expect(otel.spans().filter((span) => span.name === 'set_vt flaky')).toHaveLength(2);
    expect(otel.spans().filter((span) => span.name === 'delete flaky')).toHaveLength(1);
  });

  it('dead-letters a message that exceeds its maximum reads once, and the dead-letter queue holds it', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('doomed');
    await pgmq.create('doomed_dlq');
    const id = await pgmq.send('doomed', { order: 7 }, { headers: { 'x-pgmq-group': 'user-7' } });
    let runs = 0;
    await consumeUntil(
      pgmq,
      'doomed',
      async () => {
        runs++;
        throw new TypeError('never works');
      },
      { backoff: 0, maxReads: 3, deadLetterQueue: 'doomed_dlq' },
      async () => expect(await count('q_doomed')).toBe(0),
    );
    expect(runs).toBe(3);

    const dead = await db.query<{ message: unknown; headers: Record<string, string>; read_ct: number }>(
      'SELECT message, headers, read_ct FROM pgmq.q_doomed_dlq',
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]!.message).toEqual({ order: 7 });
    expect(dead[0]!.read_ct).toBe(0);
    // Headers travel as they were: the group key and the trace context of the original send.
    const [send] = otel.spans().filter((span) => span.name === 'send doomed');
    expect(dead[0]!.headers).toEqual({
      'x-pgmq-group': 'user-7',
      traceparent: `00-${send!.spanContext().traceId}-${send!.spanContext().spanId}-01`,
    });
    expect(await count('a_doomed')).toBe(0);

    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'doomed' };
    const outcome = (name: string) =>
      metrics.total('queuetel.job.outcomes', { ...where, 'queuetel.job.outcome': name });
    expect(metrics.total('queuetel.job.attempts', where)).toBe(3);
    expect(outcome('retried')).toBe(2);
    expect(outcome('dead_lettered')).toBe(1);
    expect(outcome('failed')).toBe(0);
    expect(metrics.total('queuetel.job.outcomes', { ...where, 'error.type': 'TypeError' })).toBe(3);

    // The move is a settle span under the last attempt's process span.
    const moves = otel.spans().filter((span) => span.name === 'move doomed');
    expect(moves).toHaveLength(1);
    expect(moves[0]!.kind).toBe(SpanKind.CLIENT);
    expect(moves[0]!.attributes).toMatchObject({
      'messaging.operation.type': 'settle',
      'messaging.message.id': id,
    });
    const lastProcess = otel.spans().filter((span) => span.name === 'process doomed')[2]!;
    expect(moves[0]!.parentSpanContext?.spanId).toBe(lastProcess.spanContext().spanId);
  });

  it('archives a message out of reads as failed when there is no dead-letter queue', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('no_dlq');
    await pgmq.send('no_dlq', { order: 8 });
    await consumeUntil(
      pgmq,
      'no_dlq',
      async () => {
        throw new Error('no');
      },
      { backoff: 0, maxReads: 2 },
      async () => expect(await count('a_no_dlq')).toBe(1),
    );
    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'no_dlq' };
    expect(metrics.total('queuetel.job.outcomes', { ...where, 'queuetel.job.outcome': 'retried' })).toBe(1);
    expect(metrics.total('queuetel.job.outcomes', { ...where, 'queuetel.job.outcome': 'failed' })).toBe(1);
    expect(await count('q_no_dlq')).toBe(0);
  });

  it('dead-letters, without running the handler, a message whose earlier attempts never settled', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('crashed');
    await pgmq.create('crashed_dlq');
    await pgmq.send('crashed', { poison: true });
    // Two workers read it and died before settling: its vt ran out each time.
    for (let i = 0; i < 2; i++) {
      const [read] = await pgmq.read('crashed', 30, 1);
      await pgmq.setVt('crashed', read!.msgId, 0);
    }
    let runs = 0;
    await consumeUntil(
      pgmq,
      'crashed',
      async () => void runs++,
      { maxReads: 2, deadLetterQueue: 'crashed_dlq' },
      async () => expect(await count('q_crashed_dlq')).toBe(1),
    );
    expect(runs).toBe(0);
    expect(await count('q_crashed')).toBe(0);
    const metrics = await otel.collect();
    // Never handed to the application, so not consumed.
    expect(
      metrics.total('messaging.client.consumed.messages', { 'messaging.destination.name': 'crashed' }),
    ).toBe(0);
    expect(
      metrics.total('queuetel.job.outcomes', {
        'messaging.destination.name': 'crashed',
        'queuetel.job.outcome': 'dead_lettered',
        'error.type': 'MaxReadsExceededError',
      }),
    ).toBe(1);
    const [process] = otel.spans().filter((span) => span.name === 'process crashed');
    expect(process!.attributes['queuetel.job.attempt']).toBe(3);
    expect(process!.events[0]!.attributes?.['exception.message']).toBe(
      "message 1 of queue 'crashed' was read 3 times, more than maxReads (2)",
    );
  });

  it('loses no message when stopped mid-batch: it finishes the messages in flight and reads no more', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('stopping');
    const ids = await pgmq.sendBatch(
      'stopping',
      Array.from({ length: 30 }, (_, i) => ({ i })),
    );
    const controller = new AbortController();
    const started: string[] = [];
    const finished: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const consuming = pgmq.consume(
      'stopping',
      async (message) => {
        started.push(message.msgId);
        await gate;
        finished.push(message.msgId);
      },
      { concurrency: 10, onSuccess: 'archive', pollIntervalMs: 20, signal: controller.signal },
    );
    // Stop while a whole batch of ten is in its handlers, then let them finish.
    await eventually(() => expect(started).toHaveLength(10));
    controller.abort();
    release();
    await consuming;

    expect(finished.sort()).toEqual(started.sort());
    const archived = await db.query<{ msg_id: string }>('SELECT msg_id FROM pgmq.a_stopping');
    const waiting = await db.query<{ msg_id: string; read_ct: number }>(
      'SELECT msg_id, read_ct FROM pgmq.q_stopping',
    );
    expect(archived.map((row) => row.msg_id).sort()).toEqual([...started].sort());
    // Every other message is still in the queue, never taken: none is hidden behind a vt.
    expect(waiting).toHaveLength(20);
    expect(waiting.every((row) => row.read_ct === 0)).toBe(true);
    expect([...archived, ...waiting].map((row) => row.msg_id).sort()).toEqual([...ids].sort());

    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'stopping' };
    expect(metrics.total('queuetel.job.outcomes', { ...where, 'queuetel.job.outcome': 'completed' })).toBe(
      10,
    );
    expect(metrics.total('queuetel.job.in_flight', where)).toBe(0);
  });

  it('stops at once when idle', async () => {
    let reads = 0;
    const watched = watchQueries(pool, (text, ok) => {
      if (ok && text.includes('pgmq.read(')) reads++;
    });
    const pgmq = new PgmqClient(watched);
    await pgmq.create('idle_stop');
    const controller = new AbortController();
    const consuming = pgmq.consume('idle_stop', async () => {}, {
      pollIntervalMs: 3_600_000,
      signal: controller.signal,
    });
    // Once its first (empty) poll is back, it sleeps for an hour unless stopped.
    await eventually(() => expect(reads).toBe(1));
    controller.abort();
    await expect(consuming).resolves.toBeUndefined();
  });

  it('runs at most `concurrency` handlers at once, each message once', async () => {
    const { pgmq } = setup();
    await pgmq.create('bounded');
    await pgmq.sendBatch(
      'bounded',
      Array.from({ length: 24 }, (_, i) => i),
    );
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await consumeUntil(
      pgmq,
      'bounded',
      async (message) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(message.message as number);
        running--;
      },
      { concurrency: 4 },
      () => expect(seen).toHaveLength(24),
    );
    expect(most).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(await count('q_bounded')).toBe(0);
  });

  it('settles under the process span, and tells onError of handler errors', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('observed');
    await pgmq.sendBatch('observed', ['ok', 'bad']);
    const errors: { error: unknown; context: ConsumeErrorContext }[] = [];
    const done = new Set<string>();
    await consumeUntil(
      pgmq,
      'observed',
      async (message) => {
        done.add(message.message as string);
        if (message.message === 'bad') throw new RangeError('bad message');
      },
      { onError: (error, context) => errors.push({ error, context }), onSuccess: 'archive', vt: 60 },
      () => expect(done.size).toBe(2),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toBeInstanceOf(RangeError);
    expect(errors[0]!.context).toMatchObject({
      queue: 'observed',
      phase: 'handler',
      message: { message: 'bad' },
    });

    const [archive] = otel.spans().filter((span) => span.name === 'archive observed');
    const processOk = otel
      .spans()
      .find((span) => span.name === 'process observed' && span.status.code === SpanStatusCode.UNSET);
    expect(archive!.parentSpanContext?.spanId).toBe(processOk!.spanContext().spanId);
    // Without a backoff the failed message waits out its vt, untouched.
    const [waiting] = await db.query<{ read_ct: number; hidden: boolean }>(
      "SELECT read_ct, vt > now() + interval '30 seconds' AS hidden FROM pgmq.q_observed",
    );
    expect(waiting).toEqual({ read_ct: 1, hidden: true });
  });

  it('deletes the messages of a batch that succeed together in one statement, linked to their process spans', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('together');
    const ids = await pgmq.sendBatch(
      'together',
      Array.from({ length: 5 }, (_, i) => i),
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    await consumeUntil(
      pgmq,
      'together',
      async (message) => {
        started.push(message.msgId);
        // Every handler of the read returns in the same turn of the event loop.
        if (started.length === 5) release();
        await gate;
      },
      { concurrency: 5 },
      async () => expect(await count('q_together')).toBe(0),
    );

    const deletes = otel.spans().filter((span) => span.name === 'delete together');
    expect(deletes).toHaveLength(1);
    const [settle] = deletes;
    expect(settle!.kind).toBe(SpanKind.CLIENT);
    expect(settle!.attributes).toMatchObject({
      'messaging.operation.type': 'settle',
      'messaging.batch.message_count': 5,
    });
    expect(settle!.attributes['messaging.message.id']).toBeUndefined();
    // A trace of its own, linked to the process span of each message it deleted.
    expect(settle!.parentSpanContext).toBeUndefined();
    const processes = otel.spans().filter((span) => span.name === 'process together');
    expect(processes.map((span) => span.attributes['messaging.message.id']).sort()).toEqual([...ids].sort());
    expect(settle!.links.map((link) => link.context.spanId).sort()).toEqual(
      processes.map((span) => span.spanContext().spanId).sort(),
    );
    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'together', 'messaging.operation.name': 'delete' };
    expect(metrics.total('messaging.client.operation.duration', where)).toBe(1);
  });

  it('reports a failed delete of a batch once per message, and leaves the messages to reappear', async () => {
    const { otel, pgmq } = setup();
    await pgmq.create('undeletable');
    await db.query(`
      CREATE FUNCTION pgmq.refuse_delete() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'deletes refused'; END $$;
      CREATE TRIGGER refuse_delete BEFORE DELETE ON pgmq.q_undeletable
        FOR EACH ROW EXECUTE FUNCTION pgmq.refuse_delete();`);
    const ids = await pgmq.sendBatch('undeletable', [1, 2, 3]);
    const reported: { error: unknown; context: ConsumeErrorContext }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    await consumeUntil(
      pgmq,
      'undeletable',
      async () => {
        if (++started === 3) release();
        await gate;
      },
      { concurrency: 3, vt: 60, onError: (error, context) => reported.push({ error, context }) },
      () => expect(reported).toHaveLength(3),
    );

    expect(reported.map(({ context }) => context.phase)).toEqual(['settle', 'settle', 'settle']);
    expect(reported.map(({ context }) => context.message?.msgId).sort()).toEqual([...ids].sort());
    // One statement failed, so each message is told of the same error.
    expect(new Set(reported.map(({ error }) => error)).size).toBe(1);
    expect(String((reported[0]!.error as Error).message)).toContain('deletes refused');
    const [settle] = otel.spans().filter((span) => span.name === 'delete undeletable');
    expect(settle!.status.code).toBe(SpanStatusCode.ERROR);
    const waiting = await db.query<{ read_ct: number }>('SELECT read_ct FROM pgmq.q_undeletable');
    expect(waiting).toEqual([{ read_ct: 1 }, { read_ct: 1 }, { read_ct: 1 }]);
  });
});
