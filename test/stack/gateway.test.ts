import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../harness/database.js';
import { createTestDatabase } from '../harness/database.js';
import { eventually } from '../harness/pg-boss.js';
import { startLoadBalancer, startSampler } from './harness/collector.js';
import { Scratch } from './harness/config.js';
import { startJaeger, type RunningJaeger, type StoredSpan } from './harness/jaeger.js';
import type { StackProcess } from './harness/process.js';
import { startWorker, type RunningWorker } from './harness/worker.js';
import { callerTrace, type CallerTrace } from './harness/workload.js';

/**
 * The gateway set-up of collector/gateway/ run for real: two load balancers (loadbalancer.yaml) in
 * front of two tail samplers (sampler.yaml), each sampler with a Jaeger of its own so that the test
 * can see which sampler kept a trace. The producer exports to one load balancer, the consumer to the
 * other, so every trace has spans from two agents.
 *
 * Changed besides addresses: the samplers' decision_wait (30 s shipped, DECISION_WAIT here) and the
 * workers' span export delay (OTEL_BSP_SCHEDULE_DELAY), both timings.
 */

const QUEUE = 'gateway_jobs';
const DECISION_WAIT = '4s';
/** Successful jobs: the sampler keeps one in ten of their traces, by trace id. */
const QUIET_TRACES = 20;
/**
 * The spans of a job's trace: the request, pg-boss's send and process spans, and pg-boss's span of
 * the call that settles the job (docs/pg-boss.md, built-in telemetry on).
 */
const TRACE_SPANS = {
  completed: ['POST /jobs', `send ${QUEUE}`, `process ${QUEUE}`, `complete ${QUEUE}`],
  failed: ['POST /jobs', `send ${QUEUE}`, `process ${QUEUE}`, `fail ${QUEUE}`],
};

const scratch = new Scratch();
const processes: StackProcess[] = [];
let db: TestDatabase;
const jaegers: RunningJaeger[] = [];
let producer: RunningWorker;
let consumer: RunningWorker;
const quiet: CallerTrace[] = [];
let failing: CallerTrace;

beforeAll(async () => {
  db = await createTestDatabase('stack_gateway');
  const samplers: string[] = [];
  for (const name of ['a', 'b']) {
    const jaeger = await startJaeger(`jaeger-${name}`, scratch);
    jaegers.push(jaeger);
    processes.push(jaeger.process);
    const sampler = await startSampler(`sampler-${name}`, scratch, jaeger.otlpGrpc, DECISION_WAIT);
    processes.push(sampler.process);
    samplers.push(sampler.otlpGrpc!);
  }
  const balancers = [];
  for (const name of ['1', '2']) {
    const balancer = await startLoadBalancer(`loadbalancer-${name}`, scratch, samplers);
    processes.push(balancer.process);
    balancers.push(balancer);
  }
  const worker = (name: string, otlpHttp: string, work: boolean) =>
    startWorker(name, {
      system: 'pg-boss',
      databaseUrl: db.url,
      queue: QUEUE,
      deadLetter: `${QUEUE}_dead`,
      service: name,
      work,
      otel: { OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttp, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  producer = await worker('gateway-producer', balancers[0]!.otlpHttp!, false);
  processes.push(producer.process);
  consumer = await worker('gateway-consumer', balancers[1]!.otlpHttp!, true);
  processes.push(consumer.process);

  // One job at a time, each sent once the one before was handled: a trace is decided DECISION_WAIT
  // after its first span, on what has arrived by then, so a job must not wait behind the others
  // for longer than that (the shipped 30 s leaves room for a queue's wait).
  for (let i = 0; i < QUIET_TRACES; i++) {
    const caller = callerTrace();
    quiet.push(caller);
    await producer.enqueue({ project: 'acme' }, caller.traceparent);
    await eventually(() => expect(consumer.handled()).toHaveLength(i + 1), 30_000);
  }
  // Last: a job that fails, whose trace the `failures` policy keeps.
  failing = callerTrace();
  await producer.enqueue({ project: 'globex', fail: true }, failing.traceparent);
  // Every job handled: 20 that complete, and the failing one's two attempts.
  await eventually(() => expect(consumer.handled()).toHaveLength(QUIET_TRACES + 2), 30_000);
}, 180_000);

afterAll(async () => {
  for (const process of processes.reverse()) await process.stop();
  await db?.drop();
  scratch.remove();
});

/** The spans each Jaeger holds of a trace. */
async function spansByJaeger(traceId: string): Promise<StoredSpan[][]> {
  return Promise.all(jaegers.map(async (jaeger) => (await jaeger.trace(traceId)) ?? []));
}

describe('the gateway: load balancers in front of tail samplers', () => {
  it("keeps a failed job's trace whole, every span in the same sampler, from both agents", async () => {
    const kept = await eventually(async () => {
      const [a, b] = await spansByJaeger(failing.traceId);
      const holding = [a!, b!].filter((spans) => spans.length > 0);
      expect(holding).toHaveLength(1);
      expect(holding[0]!.filter((s) => s.name === `process ${QUEUE}`)).toHaveLength(2);
      return holding[0]!;
    }, 60_000);
    expect(new Set(kept.map((s) => s.name))).toEqual(new Set(TRACE_SPANS.failed));
    // Spans of both workers, each through its own load balancer.
    expect(new Set(kept.map((s) => s.resource['service.name']))).toEqual(
      new Set(['gateway-producer', 'gateway-consumer']),
    );
    expect(kept.some((s) => s.statusCode === 2)).toBe(true);
  });

  it('keeps or drops each quiet trace whole, and drops some', async () => {
    // The failed trace was sent last: once it is kept, every earlier trace has been decided.
    await eventually(
      async () => expect((await spansByJaeger(failing.traceId)).flat().length).toBeGreaterThan(0),
      60_000,
    );
    let dropped = 0;
    for (const caller of quiet) {
      const [a, b] = await spansByJaeger(caller.traceId);
      const holding = [a!, b!].filter((spans) => spans.length > 0);
      if (holding.length === 0) {
        dropped++;
        continue;
      }
      expect(holding, `trace ${caller.traceId} is in both samplers`).toHaveLength(1);
      expect(new Set(holding[0]!.map((s) => s.name)), `trace ${caller.traceId} is kept in part`).toEqual(
        new Set(TRACE_SPANS.completed),
      );
    }
    // One in ten is kept: that all 20 were kept has a chance of 1e-20.
    expect(dropped).toBeGreaterThan(0);
  });
});
