/**
 * Each example under examples/ run as its README says (`npm start`, which is `node --import tsx
 * main.ts`), against a database of its own on the test PostgreSQL, exporting to an OTLP receiver:
 * it does its work, stops on SIGTERM with exit code 0, and what it exported is what it claims.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';
import { loadPgmqFixture } from '../harness/pgmq.js';
import { ROOT } from './run.js';

interface Running {
  readonly child: ChildProcess;
  readonly receiver: OtlpReceiver;
  readonly db: TestDatabase;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const started: Running[] = [];
afterEach(async () => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.receiver.close();
    await run.db.drop();
  }
});

async function startExample(name: string, prepare?: (db: TestDatabase) => Promise<void>): Promise<Running> {
  const dir = join(ROOT, 'examples', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    private?: boolean;
    scripts?: { start?: string };
  };
  expect(manifest.private).toBe(true);
  expect(manifest.scripts?.start).toBe('node --import tsx main.ts');
  const db = await createTestDatabase(`ex_${name.replace(/-/g, '_')}`);
  await prepare?.(db);
  const receiver = await startOtlpReceiver();
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: dir,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run: Running = {
    child,
    receiver,
    db,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
  started.push(run);
  return run;
}

/** Waits until the example's output matches, and returns the match. */
function waitForOutput(run: Running, pattern: RegExp): Promise<RegExpMatchArray> {
  return eventually(() => {
    const match = run.output().match(pattern);
    if (!match) throw new Error(`no ${String(pattern)} in the output so far:\n${run.output()}`);
    return match;
  }, 40_000);
}

/** The values of `label` among completed attempts: the duration histogram counts attempts by label. */
function completedBy(receiver: OtlpReceiver, label: string): Set<string> {
  return new Set(
    receiver
      .points()
      .filter(
        (point) =>
          point.name === 'queuetel.job.duration' && point.attributes['queuetel.job.outcome'] === 'completed',
      )
      .map((point) => String(point.attributes[label])),
  );
}

describe('examples', () => {
  it('pg-boss-worker: processes the jobs it sends and exports job metrics by tenant', async () => {
    const run = await startExample('pg-boss-worker');
    await waitForOutput(run, /sent email job \S+ for initech/);
    expect(await run.stop()).toBe(0);
    expect(run.output()).toContain('stopped');
    expect(completedBy(run.receiver, 'tenant')).toEqual(new Set(['acme', 'globex', 'initech']));
    expect(run.receiver.spans().some((span) => span.name === 'process emails')).toBe(true);
  });

  it('pgmq-worker: consumes the messages it sends and exports job metrics by tenant from the headers', async () => {
    // Real users install the pgmq extension; the test database gets the pgmq-compatible fixture.
    const run = await startExample('pgmq-worker', (db) => loadPgmqFixture(db.url));
    await waitForOutput(
      run,
      /built report message \S+ \(monthly\)[\s\S]*built report message[\s\S]*built report message/,
    );
    expect(await run.stop()).toBe(0);
    expect(run.output()).toContain('stopped');
    expect(completedBy(run.receiver, 'tenant')).toEqual(new Set(['acme', 'globex', 'initech']));
    expect(run.receiver.spans().some((span) => span.name === 'process reports')).toBe(true);
  });

  it('http-enqueue: the job runs in the trace of the request that enqueued it', async () => {
    const run = await startExample('http-enqueue');
    const [, port] = await waitForOutput(run, /listening on port (\d+)/);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`http://127.0.0.1:${port}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ plan: 'pro' }),
    });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { traceId: string }).traceId).toBe(traceId);
    await waitForOutput(run, new RegExp(`welcomed job \\S+ in trace ${traceId}`));
    expect(await run.stop()).toBe(0);
    const spans = run.receiver.spans().filter((span) => span.traceId === traceId);
    expect(spans.map((span) => span.name)).toEqual(
      expect.arrayContaining(['POST /signups', 'send welcome-emails', 'process welcome-emails']),
    );
    expect(completedBy(run.receiver, 'plan')).toEqual(new Set(['pro']));
  });

  it('existing-sdk: queuetel job metrics travel through the application’s own NodeSDK reader', async () => {
    const run = await startExample('existing-sdk');
    await waitForOutput(run, /charged invoice job \S+ in EUR[\s\S]*charged invoice job \S+ in USD/);
    expect(await run.stop()).toBe(0);
    expect(completedBy(run.receiver, 'currency')).toEqual(new Set(['EUR', 'USD']));
    const wait = run.receiver.points().find((point) => point.name === 'queuetel.job.wait_time');
    expect(wait?.bounds?.length).toBeGreaterThan(0);
  });

  it('health-sidecar: answers /health about the queues in the database and exports the gauges', async () => {
    const run = await startExample('health-sidecar', async (db) => {
      await loadPgmqFixture(db.url);
      await db.query(`SELECT pgmq.create('exports')`);
      await db.query(`SELECT pgmq.send('exports', '{"n": 1}'::jsonb)`);
    });
    const [, url] = await waitForOutput(run, /health on (http:\/\/localhost:\d+)\/health/);
    const report = await eventually(async () => {
      const body = (await (await fetch(`${url}/health`)).json()) as {
        queues: { name: string; queue_length: number }[];
      };
      const queue = body.queues.find((q) => q.name === 'exports');
      if (!queue) throw new Error('the collector has not reported the queue yet');
      return queue;
    });
    expect(report.queue_length).toBe(1);
    await eventually(() => {
      const depth = run.receiver
        .points()
        .find(
          (point) =>
            point.name === 'queuetel.queue.jobs' &&
            point.attributes['messaging.destination.name'] === 'exports',
        );
      expect(depth).toBeDefined();
    });
    expect(await run.stop()).toBe(0);
    expect(run.output()).toContain('stopped');
  });
});
