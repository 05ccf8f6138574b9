import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  JOB_OUTCOMES,
  JobTelemetry,
  LABEL_MARKERS,
  resolveOptions,
  type InstrumentationOptions,
  type QueueAdapter,
} from '@queuetel/core';
import { createTestTelemetry, type MetricsPath } from '../../../test/harness/otel.js';

/** A toy queue's job, enough to drive the engine without a database. */
interface ToyJob {
  id: string;
  attempt: number;
  lastAttempt: boolean;
  /** The queue gave the attempt up as out of time, whatever the handler did. */
  timedOut?: boolean;
  deadLetter?: boolean;
  carrier?: unknown;
  data: Record<string, unknown>;
}

const toyAdapter: QueueAdapter<ToyJob> = {
  system: 'toy',
  scope: { name: 'toy-scope' },
  facts: (job) => ({ id: job.id, attempt: job.attempt, waitSeconds: 1.5 }),
  carrier: (job) => job.carrier,
  verdict: (job, failure) => {
    const last = job.deadLetter ? JOB_OUTCOMES.dead_lettered : JOB_OUTCOMES.failed;
    if (job.timedOut) {
      return { outcome: job.lastAttempt ? JOB_OUTCOMES.expired : JOB_OUTCOMES.retried, errorType: 'timeout' };
    }
    if (!failure) return { outcome: JOB_OUTCOMES.completed };
    return { outcome: job.lastAttempt ? last : JOB_OUTCOMES.retried };
  },
};

function setup(options: InstrumentationOptions<ToyJob> = {}, path: MetricsPath = 'producer') {
  const otel = createTestTelemetry(path);
  const telemetry = new JobTelemetry(resolveOptions({ ...otel.providers, ...options }), toyAdapter);
  return { otel, telemetry };
}

function job(id: string, data: Record<string, unknown> = {}, extra: Partial<ToyJob> = {}): ToyJob {
  return { id, attempt: 1, lastAttempt: false, data, ...extra };
}

/** A carrier as a producer in another process would have stored it. */
function producerCarrier(otel: ReturnType<typeof createTestTelemetry>) {
  const span = otel.tracerProvider.getTracer('producer').startSpan('send q', { kind: SpanKind.PRODUCER });
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  span.end();
  return { carrier, spanContext: span.spanContext() };
}

describe.each<MetricsPath>(['producer', 'meter'])('job telemetry through the %s path', (path) => {
  it("counts a lost attempt's outcome on its queue, with no labels, attempt, duration or span", async () => {
    const labels = { project: { from: 'data.project' } };
    const { otel, telemetry } = setup({ labels }, path);
    telemetry.consumer('email').lost(job('j1', { project: 'acme' }, { attempt: 2 }), {
      outcome: JOB_OUTCOMES.retried,
      errorType: 'timeout',
    });
    const metrics = await otel.collect();
    expect(metrics.points('queuetel.job.outcomes').map((p) => p.attributes)).toEqual([
      {
        'messaging.system': 'toy',
        'messaging.destination.name': 'email',
        'queuetel.job.outcome': 'retried',
        'error.type': 'timeout',
      },
    ]);
    expect(metrics.total('queuetel.job.outcomes')).toBe(1);
    expect(metrics.total('queuetel.job.attempts')).toBe(0);
    expect(metrics.total('queuetel.job.duration')).toBe(0);
    expect(metrics.total('queuetel.job.in_flight')).toBe(0);
    expect(otel.spans()).toHaveLength(0);
  });

  it('counts outcomes once per queue, outcome and error type, and attempts by label in the duration count', async () => {
    const { otel, telemetry } = setup(
      { labels: { project: { from: 'data.project' }, region: { from: 'data.region' } } },
      path,
    );
    // Two queues; on each, six label combinations with a different number of jobs each, every third
    // one failing.
    const expected = new Map<string, number>();
    let n = 0;
    for (const queue of ['email', 'sms']) {
      for (const [p, project] of ['acme', 'globex', 'initech'].entries()) {
        for (const [r, region] of ['eu', 'us'].entries()) {
          for (let i = 0; i < 1 + p + 2 * r; i++) {
            const failing = n++ % 3 === 0;
            const outcome = failing ? 'retried' : 'completed';
            const key = JSON.stringify([queue, project, region, outcome]);
            expected.set(key, (expected.get(key) ?? 0) + 1);
            const run = () => (failing ? Promise.reject(new TypeError('no')) : 'ok');
            await telemetry
              .consumer(queue)
              .process([job(`j${n}`, { project, region })], { kind: 'none' }, run)
              .catch(() => undefined);
          }
        }
      }
    }
    const metrics = await otel.collect();
    const outcomes = metrics.points('queuetel.job.outcomes');
    // No domain label on any outcome, and one series per queue, outcome and error type.
    expect(outcomes.map((p) => p.attributes)).toEqual(
      expect.arrayContaining(
        ['email', 'sms'].flatMap((queue) => [
          {
            'messaging.system': 'toy',
            'messaging.destination.name': queue,
            'queuetel.job.outcome': 'completed',
          },
          {
            'messaging.system': 'toy',
            'messaging.destination.name': queue,
            'queuetel.job.outcome': 'retried',
            'error.type': 'TypeError',
          },
        ]),
      ),
    );
    expect(outcomes).toHaveLength(4);
    expect(metrics.total('queuetel.job.outcomes')).toBe(n);
    // The duration's count is the attempts of each label combination, by outcome.
    for (const [key, jobs] of expected) {
      const [queue, project, region, outcome] = JSON.parse(key) as string[];
      const where = { 'messaging.destination.name': queue!, project: project!, region: region! };
      expect(
        metrics.total('queuetel.job.duration', { ...where, 'queuetel.job.outcome': outcome! }),
        key,
      ).toBe(jobs);
    }
    expect(metrics.points('queuetel.job.duration')).toHaveLength(expected.size);
    expect(metrics.total('queuetel.job.duration')).toBe(n);
  });

  it('gives one job a CONSUMER process span with the messaging attributes and its labels', async () => {
    const { otel, telemetry } = setup({ labels: { project: { from: 'data.project' } } }, path);
    const result = await telemetry
      .consumer('email')
      .process([job('j1', { project: 'acme' }, { attempt: 2 })], { kind: 'own' }, () => 'done');
    expect(result).toBe('done');
    const [span] = otel.spans();
    expect(span!.name).toBe('process email');
    expect(span!.kind).toBe(SpanKind.CONSUMER);
    expect(span!.attributes).toMatchObject({
      'messaging.system': 'toy',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'email',
      'messaging.message.id': 'j1',
      'queuetel.job.attempt': 2,
      'queuetel.job.retry_count': 1,
      'queuetel.job.wait_time': 1.5,
      project: 'acme',
    });
    const metrics = await otel.collect();
    const where = { 'messaging.destination.name': 'email', project: 'acme' };
    // Attempts, outcomes and jobs in flight are per queue (the duration's count counts attempts by
    // label); wait times and durations carry the labels.
    const queue = { 'messaging.system': 'toy', 'messaging.destination.name': 'email' };
    expect(metrics.points('queuetel.job.attempts').map((p) => p.attributes)).toEqual([queue]);
    expect(metrics.total('queuetel.job.attempts', queue)).toBe(1);
    expect(metrics.points('queuetel.job.outcomes').map((p) => p.attributes)).toEqual([
      { ...queue, 'queuetel.job.outcome': 'completed' },
    ]);
    expect(metrics.total('queuetel.job.outcomes', queue)).toBe(1);
    expect(metrics.total('queuetel.job.duration', { ...where, 'queuetel.job.outcome': 'completed' })).toBe(1);
    expect(metrics.points('queuetel.job.in_flight').map((p) => p.attributes)).toEqual([queue]);
    expect(metrics.total('queuetel.job.in_flight', queue)).toBe(0);
    expect(metrics.total('queuetel.job.wait_time', where)).toBe(1);
    expect(metrics.total('queuetel.job.duration', where)).toBe(1);
    expect(metrics.total('messaging.process.duration', { 'messaging.operation.name': 'process' })).toBe(1);
    // No job id, attempt or timestamp ever becomes a metric attribute.
    for (const name of metrics.names()) {
      for (const point of metrics.points(name)) {
        expect(Object.keys(point.attributes)).not.toContain('messaging.message.id');
        expect(Object.keys(point.attributes)).not.toContain('queuetel.job.attempt');
      }
    }
  });

  it('rethrows a thrown string unchanged, with error.type _OTHER and the in-flight count paired', async () => {
    const { otel, telemetry } = setup({}, path);
    const thrown = 'plain string failure';
    await expect(
      telemetry.consumer('email').process([job('j2')], { kind: 'own' }, () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    const [span] = otel.spans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('_OTHER');
    expect(span!.events.map((event) => event.name)).toEqual(['exception']);
    const metrics = await otel.collect();
    expect(metrics.total('queuetel.job.in_flight')).toBe(0);
    expect(
      metrics.total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'retried', 'error.type': '_OTHER' }),
    ).toBe(1);
  });

  it('rethrows an Error as the very same object and names its class', async () => {
    const { otel, telemetry } = setup({}, path);
    const error = new RangeError('out of range');
    await expect(
      telemetry
        .consumer('email')
        .process([job('j3', {}, { lastAttempt: true })], { kind: 'own' }, () => Promise.reject(error)),
    ).rejects.toBe(error);
    expect(otel.spans()[0]!.attributes['error.type']).toBe('RangeError');
    const metrics = await otel.collect();
    expect(
      metrics.total('queuetel.job.outcomes', {
        'queuetel.job.outcome': 'failed',
        'error.type': 'RangeError',
      }),
    ).toBe(1);
    expect(metrics.total('messaging.process.duration', { 'error.type': 'RangeError' })).toBe(1);
  });
});

describe('one verdict per attempt, on the metric and the span alike', () => {
  it('counts a job that returned after its time limit as expired with error.type timeout, and fails its span', async () => {
    const { otel, telemetry } = setup();
    await expect(
      telemetry
        .consumer('q')
        .process([job('late', {}, { timedOut: true, lastAttempt: true })], { kind: 'own' }, () => 'ok'),
    ).resolves.toBe('ok');
    const [span] = otel.spans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({ 'error.type': 'timeout', 'queuetel.job.outcome': 'expired' });
    const metrics = await otel.collect();
    expect(
      metrics.total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'expired', 'error.type': 'timeout' }),
    ).toBe(1);
    expect(metrics.total('queuetel.job.duration', { 'error.type': 'timeout' })).toBe(1);
    expect(metrics.total('messaging.process.duration', { 'error.type': 'timeout' })).toBe(1);
  });

  it('names the outcome on its own process span, so a trace tells a retry from a dead letter', async () => {
    const { otel, telemetry } = setup();
    const fail = () => Promise.reject(new TypeError('no'));
    await expect(telemetry.consumer('q').process([job('a')], { kind: 'own' }, fail)).rejects.toThrow('no');
    await expect(
      telemetry
        .consumer('q')
        .process([job('a', {}, { lastAttempt: true, deadLetter: true })], { kind: 'own' }, fail),
    ).rejects.toThrow('no');
    await telemetry.consumer('q').process([job('b')], { kind: 'own' }, () => {});
    expect(otel.spans().map((span) => span.attributes['queuetel.job.outcome'])).toEqual([
      'retried',
      'dead_lettered',
      'completed',
    ]);
    expect(otel.spans().map((span) => span.attributes['error.type'])).toEqual([
      'TypeError',
      'TypeError',
      undefined,
    ]);
  });

  it('names the outcome a batch shares, and leaves it off when its jobs differ', async () => {
    const { otel, telemetry } = setup();
    await telemetry.consumer('q').process([job('a'), job('b')], { kind: 'own' }, () => {});
    await telemetry
      .consumer('q')
      .process(
        [job('c', {}, { timedOut: true }), job('d', {}, { timedOut: true, lastAttempt: true })],
        { kind: 'own' },
        () => {},
      );
    const [same, mixed] = otel.spans();
    expect(same!.attributes['queuetel.job.outcome']).toBe('completed');
    expect(mixed!.attributes['queuetel.job.outcome']).toBeUndefined();
    expect(mixed!.attributes['error.type']).toBe('timeout');
    expect(mixed!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('asks the adapter for its verdict once per job', async () => {
    const otel = createTestTelemetry();
    let calls = 0;
    const counting = new JobTelemetry(resolveOptions<ToyJob>(otel.providers), {
      ...toyAdapter,
      verdict: (...args) => {
        calls++;
        return toyAdapter.verdict(...args);
      },
    });
    await expect(
      counting.consumer('q').process([job('a')], { kind: 'own' }, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    expect(calls).toBe(1);
  });

  it('records an expired job of a larger batch as an event on the batch span', async () => {
    const { otel, telemetry } = setup();
    const outer = otel.tracerProvider.getTracer('pg-boss').startSpan('process q');
    await telemetry
      .consumer('q')
      .process(
        [job('b1', {}, { timedOut: true, lastAttempt: true })],
        { kind: 'event', span: outer },
        () => {},
      );
    outer.end();
    expect(otel.spans()[0]!.events.map((event) => event.attributes)).toEqual([
      { 'messaging.message.id': 'b1', 'queuetel.job.outcome': 'expired', 'error.type': 'timeout' },
    ]);
  });
});

describe('span relationships', () => {
  it('links to the producer by default and starts a new trace', async () => {
    const { otel, telemetry } = setup();
    const producer = producerCarrier(otel);
    await telemetry
      .consumer('q')
      .process([job('a', {}, { carrier: producer.carrier })], { kind: 'own' }, () => {});
    const process = otel.spans().find((span) => span.name === 'process q')!;
    expect(process.spanContext().traceId).not.toBe(producer.spanContext.traceId);
    expect(process.parentSpanContext).toBeUndefined();
    expect(process.links.map((link) => link.context.spanId)).toEqual([producer.spanContext.spanId]);
  });

  it('continues the producer trace as a child when asked, and links a batch instead', async () => {
    const { otel, telemetry } = setup({ producerRelationship: 'child' });
    const first = producerCarrier(otel);
    const second = producerCarrier(otel);
    await telemetry
      .consumer('q')
      .process([job('a', {}, { carrier: first.carrier })], { kind: 'own' }, () => {});
    await telemetry
      .consumer('q')
      .process(
        [job('b', {}, { carrier: first.carrier }), job('c', {}, { carrier: second.carrier })],
        { kind: 'own' },
        () => {},
      );
    const [single, batch] = otel.spans().filter((span) => span.name === 'process q');
    expect(single!.spanContext().traceId).toBe(first.spanContext.traceId);
    expect(single!.parentSpanContext?.spanId).toBe(first.spanContext.spanId);
    expect(batch!.parentSpanContext).toBeUndefined();
    expect(batch!.attributes['messaging.batch.message_count']).toBe(2);
    expect(batch!.attributes['messaging.message.id']).toBeUndefined();
    expect(batch!.links).toHaveLength(2);
  });

  it('neither parents nor links with none', async () => {
    const { otel, telemetry } = setup({ producerRelationship: 'none' });
    const producer = producerCarrier(otel);
    await telemetry
      .consumer('q')
      .process([job('a', {}, { carrier: producer.carrier })], { kind: 'own' }, () => {});
    const process = otel.spans().find((span) => span.name === 'process q')!;
    expect(process.links).toEqual([]);
    expect(process.parentSpanContext).toBeUndefined();
  });

  it('ignores carriers that are malformed, not objects, or hold non-strings', async () => {
    const { otel, telemetry } = setup();
    const carriers: unknown[] = [
      '00-abc',
      42,
      ['traceparent'],
      { traceparent: 'garbage' },
      { traceparent: 7 },
      null,
    ];
    for (const carrier of carriers) {
      await telemetry.consumer('q').process([job('x', {}, { carrier })], { kind: 'own' }, () => {});
    }
    const spans = otel.spans();
    expect(spans).toHaveLength(carriers.length);
    expect(spans.every((span) => span.links.length === 0)).toBe(true);
  });

  it('runs the handler inside its process span', async () => {
    const { otel, telemetry } = setup();
    let active: string | undefined;
    await telemetry.consumer('q').process([job('a')], { kind: 'own' }, () => {
      active = trace.getActiveSpan()?.spanContext().spanId;
    });
    expect(active).toBe(otel.spans()[0]!.spanContext().spanId);
  });
});

describe('working on spans someone else started', () => {
  it('adds per-job attributes and the outcome to a span that covers exactly the job', async () => {
    const { otel, telemetry } = setup({ labels: { project: { from: 'data.project' } } });
    const outer = otel.tracerProvider.getTracer('pg-boss').startSpan('process q');
    await telemetry
      .consumer('q')
      .process([job('a', { project: 'p1' })], { kind: 'enrich', span: outer }, () => {});
    outer.end();
    expect(otel.spans()).toHaveLength(1);
    expect(otel.spans()[0]!.attributes).toMatchObject({
      project: 'p1',
      'queuetel.job.attempt': 1,
      'queuetel.job.outcome': 'completed',
      'messaging.message.id': 'a',
    });
  });

  it('records a failed job of a larger batch as an event on the batch span', async () => {
    const { otel, telemetry } = setup();
    const outer = otel.tracerProvider.getTracer('pg-boss').startSpan('process q');
    await expect(
      telemetry
        .consumer('q')
        .process([job('b1')], { kind: 'event', span: outer }, () => Promise.reject(new Error('nope'))),
    ).rejects.toThrow('nope');
    outer.end();
    const [span] = otel.spans();
    expect(span!.events).toHaveLength(1);
    expect(span!.events[0]!.attributes).toMatchObject({
      'messaging.message.id': 'b1',
      'error.type': 'Error',
    });
  });
});

describe('jobs of a batch run one by one', () => {
  const labels = { project: { from: 'data.project' } } as const;

  it('gathers their labels and failures on the batch span and hands back each failure in order', async () => {
    const { otel, telemetry } = setup({ labels });
    const outer = otel.tracerProvider.getTracer('pg-boss').startSpan('process q');
    const jobs = [
      job('e1', { project: 'p1' }),
      job('e2', { project: 'p1' }, { lastAttempt: true }),
      job('e3', { project: 'p2' }),
      job('e4', { project: 'p1' }),
    ];
    const second = new RangeError('second');
    const ran: string[] = [];
    const failures = await telemetry
      .consumer('q')
      .processEach(jobs, { kind: 'event', span: outer }, (run) => {
        ran.push(run.id);
        if (run.id === 'e2') return Promise.reject(second);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
        if (run.id === 'e4') throw undefined;
        return undefined;
      });
    outer.end();
    expect(ran).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(failures.map(({ job: failed }) => failed.id)).toEqual(['e2', 'e4']);
    expect(failures[0]!.error).toBe(second);
    expect(failures[1]!.error).toBeUndefined();
    expect(failures[1]).toHaveProperty('error');
    const [span] = otel.spans();
    expect(otel.spans()).toHaveLength(1);
    expect(span!.attributes.project).toEqual(['p1', 'p2']);
    expect(span!.events.map((event) => event.attributes?.['messaging.message.id'])).toEqual(['e2', 'e4']);
    expect(span!.events[0]!.attributes).toMatchObject({
      'queuetel.job.outcome': 'failed',
      'error.type': 'RangeError',
    });
    const metrics = await otel.collect();
    expect(metrics.total('queuetel.job.attempts')).toBe(4);
    expect(metrics.total('queuetel.job.in_flight')).toBe(0);
    expect(metrics.total('queuetel.job.duration', { project: 'p1' })).toBe(3);
    expect(metrics.total('queuetel.job.duration', { project: 'p2' })).toBe(1);
    expect(metrics.total('queuetel.job.duration', { 'queuetel.job.outcome': 'retried' })).toBe(1);
    expect(metrics.total('queuetel.job.duration', { 'queuetel.job.outcome': 'failed' })).toBe(1);
  });

  it('counts the whole batch in flight from its start, and dates a failure event when its job ended', async () => {
    const { otel, telemetry } = setup({ labels });
    const outer = otel.tracerProvider.getTracer('pg-boss').startSpan('process q');
    const seen: { attempts: number; inFlight: number }[] = [];
    let failedAt = 0;
    await telemetry
      .consumer('q')
      .processEach(
        [job('b1', { project: 'p1' }), job('b2', { project: 'p1' }), job('b3', { project: 'p1' })],
        { kind: 'event', span: outer },
        async (run) => {
          if (run.id === 'b1') {
            const metrics = await otel.collect();
            seen.push({
              attempts: metrics.total('queuetel.job.attempts'),
              inFlight: metrics.total('queuetel.job.in_flight'),
            });
          }
          if (run.id === 'b2') {
            await new Promise((resolve) => setTimeout(resolve, 10));
            failedAt = performance.timeOrigin + performance.now();
            throw new Error('b2 failed');
          }
          if (run.id === 'b3') await new Promise((resolve) => setTimeout(resolve, 80));
        },
      );
    outer.end();
    // pg-boss holds every job of the batch from its fetch until the batch ends.
    expect(seen).toEqual([{ attempts: 3, inFlight: 3 }]);
    const metrics = await otel.collect();
    expect(metrics.total('queuetel.job.in_flight')).toBe(0);
    expect(metrics.total('queuetel.job.duration', { project: 'p1' })).toBe(3);
    // Each job keeps its own duration: b1's and b3's apart, b3 the one that slept.
    const [completed] = metrics.points('queuetel.job.duration', { 'queuetel.job.outcome': 'completed' });
    expect(completed!.histogram!.count).toBe(2);
    expect(completed!.histogram!.max).toBeGreaterThanOrEqual(0.075);
    expect(completed!.histogram!.min).toBeLessThan(0.075);
    const [event] = otel.spans()[0]!.events;
    const eventAt = event!.time[0] * 1000 + event!.time[1] / 1e6;
    // Recorded after b3's 80 ms, the event still says when b2 failed.
    expect(Math.abs(eventAt - failedAt)).toBeLessThan(20);
  });

  it('gives each job a span of its own to run in, and times each job apart', async () => {
    const { otel, telemetry } = setup({ labels });
    const active: (string | undefined)[] = [];
    const failures = await telemetry
      .consumer('q')
      .processEach(
        [job('o1', { project: 'p1' }), job('o2', { project: 'p1' })],
        { kind: 'own' },
        async (run) => {
          active.push(trace.getActiveSpan()?.spanContext().spanId);
          if (run.id === 'o2') await new Promise((resolve) => setTimeout(resolve, 30));
        },
      );
    expect(failures).toEqual([]);
    const spans = otel.spans();
    expect(spans.map((span) => span.attributes['messaging.message.id'])).toEqual(['o1', 'o2']);
    expect(active).toEqual(spans.map((span) => span.spanContext().spanId));
    const [point] = (await otel.collect()).points('queuetel.job.duration', { project: 'p1' });
    expect(point!.histogram!.count).toBe(2);
    // The second job waited 30 ms; the first did nothing. Each duration is its own job's.
    expect(point!.histogram!.max).toBeGreaterThanOrEqual(0.025);
    expect(point!.histogram!.min).toBeLessThan(0.025);
  });
});

describe('user code never breaks a job', () => {
  it('catches hooks that throw and still runs the handler and ends the span', async () => {
    const { otel, telemetry } = setup({
      startHook: () => {
        throw new Error('start hook');
      },
      endHook: () => {
        throw new Error('end hook');
      },
    });
    await expect(telemetry.consumer('q').process([job('a')], { kind: 'own' }, () => 7)).resolves.toBe(7);
    expect(otel.spans()).toHaveLength(1);
  });

  it('lets hooks add attributes at the start and the end', async () => {
    const { otel, telemetry } = setup({
      startHook: (span, jobs) => span.setAttribute('app.first_job', jobs[0]!.id),
      endHook: (span, _jobs, error) => span.setAttribute('app.failed', error !== undefined),
    });
    await telemetry.consumer('q').process([job('a')], { kind: 'own' }, () => {});
    expect(otel.spans()[0]!.attributes).toMatchObject({ 'app.first_job': 'a', 'app.failed': false });
  });

  it('records an extractor that throws as the error marker and completes the job', async () => {
    const { otel, telemetry } = setup({
      labels: {
        tenant: {
          from: () => {
            throw new Error('boom');
          },
        },
      },
    });
    await expect(telemetry.consumer('q').process([job('a')], { kind: 'own' }, () => 'ok')).resolves.toBe(
      'ok',
    );
    const metrics = await otel.collect();
    expect(
      metrics.total('queuetel.job.duration', {
        tenant: LABEL_MARKERS.error,
        'queuetel.job.outcome': 'completed',
      }),
    ).toBe(1);
    expect(metrics.total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'completed' })).toBe(1);
    expect(
      metrics.total('queuetel.label.folded', {
        'queuetel.label.key': 'tenant',
        'queuetel.label.reason': 'error',
      }),
    ).toBe(1);
  });

  it('survives an adapter whose metadata reader throws', async () => {
    const otel = createTestTelemetry();
    const broken = new JobTelemetry(resolveOptions<ToyJob>(otel.providers), {
      ...toyAdapter,
      facts: () => {
        throw new Error('bad metadata');
      },
    });
    await expect(broken.consumer('q').process([job('a')], { kind: 'own' }, () => 1)).resolves.toBe(1);
    const [span] = otel.spans();
    expect(span!.name).toBe('process q');
    expect(span!.attributes['messaging.message.id']).toBeUndefined();
    expect(
      (await otel.collect()).total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'completed' }),
    ).toBe(1);
  });
});

describe('bounded cardinality', () => {
  it('folds label combinations past the cap into one overflow combination', async () => {
    const { otel, telemetry } = setup({
      labels: { a: { from: 'data.a' }, b: { from: 'data.b' } },
      maxLabelCombinations: 4,
    });
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        await telemetry
          .consumer('q')
          .process([job('x', { a: `a${i}`, b: `b${j}` })], { kind: 'none' }, () => {});
      }
    }
    const metrics = await otel.collect();
    expect(metrics.points('queuetel.job.duration')).toHaveLength(5);
    expect(metrics.total('queuetel.job.duration', { a: '_overflow', b: '_overflow' })).toBe(21);
    // Attempts are per queue, so the cap leaves them whole.
    expect(metrics.points('queuetel.job.attempts')).toHaveLength(1);
    expect(metrics.total('queuetel.job.attempts', { 'messaging.destination.name': 'q' })).toBe(25);
    expect(
      metrics.total('queuetel.label.folded', {
        'queuetel.label.key': '_combination',
        'queuetel.label.reason': 'series_limit',
      }),
    ).toBe(21);
    // Outcomes are per queue too: the cap folds none of them.
    expect(metrics.points('queuetel.job.outcomes').map((p) => p.attributes)).toEqual([
      { 'messaging.system': 'toy', 'messaging.destination.name': 'q', 'queuetel.job.outcome': 'completed' },
    ]);
    expect(metrics.total('queuetel.job.outcomes')).toBe(25);
  });

  it('folds outcome series past the cap, one fold per attempt recorded there', async () => {
    const { otel, telemetry } = setup({ maxLabelCombinations: 2 });
    const classes = ['A', 'B', 'C', 'D'].map((name) => ({ [name]: class extends Error {} })[name]!);
    for (let round = 0; round < 3; round++) {
      for (const Failure of classes) {
        const fail = () => Promise.reject(new Failure());
        await expect(
          telemetry.consumer('q').process([job('x', {}, { lastAttempt: true })], { kind: 'none' }, fail),
        ).rejects.toBeInstanceOf(Failure);
      }
    }
    const metrics = await otel.collect();
    // Two series of their own, then the overflow series, which names no error type.
    expect(metrics.valuesOf('queuetel.job.outcomes', 'error.type').sort()).toEqual(['A', 'B', undefined]);
    expect(metrics.total('queuetel.job.outcomes', { 'queuetel.job.outcome': '_overflow' })).toBe(6);
    expect(metrics.total('queuetel.job.outcomes')).toBe(12);
    expect(
      metrics.total('queuetel.label.folded', {
        'queuetel.label.key': 'queuetel.job.outcomes',
        'queuetel.label.reason': 'series_limit',
      }),
    ).toBe(6);
  });

  it('folds queue names past maxQueues', async () => {
    const { otel, telemetry } = setup({ maxQueues: 2 });
    for (const queue of ['q1', 'q2', 'q3', 'q4']) {
      await telemetry.consumer(queue).process([job('x')], { kind: 'none' }, () => {});
    }
    const metrics = await otel.collect();
    expect(metrics.valuesOf('queuetel.job.attempts', 'messaging.destination.name').sort()).toEqual([
      '_overflow',
      'q1',
      'q2',
    ]);
  });
});

describe('producer and client operations', () => {
  it('makes a PRODUCER span, hands its context to the sender, and counts the messages', async () => {
    const { otel, telemetry } = setup();
    let stored: Record<string, string> | undefined;
    const id = await telemetry.send(
      'email',
      'send',
      1,
      (carrier) => {
        stored = carrier;
        return 'job-1';
      },
      (result) => result,
    );
    expect(id).toBe('job-1');
    const [span] = otel.spans();
    expect(span!.kind).toBe(SpanKind.PRODUCER);
    expect(span!.name).toBe('send email');
    expect(span!.attributes['messaging.message.id']).toBe('job-1');
    expect(stored?.traceparent).toContain(span!.spanContext().spanId);
    const metrics = await otel.collect();
    expect(metrics.total('messaging.client.sent.messages', { 'messaging.operation.name': 'send' })).toBe(1);
    expect(metrics.total('messaging.client.operation.duration', { 'messaging.operation.name': 'send' })).toBe(
      1,
    );
  });

  it('makes one span for a batch send, with its message count', async () => {
    const { otel, telemetry } = setup();
    await telemetry.send('email', 'send_batch', 50, () => undefined);
    expect(otel.spans()).toHaveLength(1);
    expect(otel.spans()[0]!.attributes['messaging.batch.message_count']).toBe(50);
    expect((await otel.collect()).total('messaging.client.sent.messages')).toBe(50);
  });

  it('makes no span for an operation that returned no messages, but times it', async () => {
    const { otel, telemetry } = setup();
    await telemetry.operation(
      'q',
      'receive',
      'receive',
      () => [],
      (rows) => ({ messageCount: rows.length }),
    );
    await telemetry.operation(
      'q',
      'receive',
      'receive',
      () => ['m'],
      (rows) => ({ messageCount: rows.length, messageId: '9' }),
    );
    expect(
      otel.spans().map((span) => [span.name, span.kind, span.attributes['messaging.message.id']]),
    ).toEqual([['receive q', SpanKind.CLIENT, '9']]);
    expect(
      (await otel.collect()).total('messaging.client.operation.duration', {
        'messaging.operation.name': 'receive',
      }),
    ).toBe(2);
  });

  it('keeps the caller context around a send', async () => {
    const { otel, telemetry } = setup();
    const parent = otel.tracerProvider.getTracer('app').startSpan('http request');
    await context.with(trace.setSpan(context.active(), parent), () =>
      telemetry.send('q', 'send', 1, () => 'id'),
    );
    parent.end();
    const send = otel.spans().find((span) => span.name === 'send q')!;
    expect(send.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });
});
