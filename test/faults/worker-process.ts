import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { eventually } from '../harness/pg-boss.js';
import type { OtlpReceiver, ReceivedPoint } from '../harness/otlp-receiver.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/queue-worker.ts', import.meta.url));

export type QueueKind = 'pg-boss-10' | 'pg-boss-12' | 'pgmq';

/** A worker process of test/faults/fixtures/queue-worker.ts, and what it printed. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** The `service.instance.id` it exports under. */
  readonly instance: string;
  /** The ids of the jobs it started, in order. */
  started(): string[];
  output(): string;
  /** Resolves with the exit code and signal once it has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface WorkerSpec {
  readonly kind: QueueKind;
  readonly queue: string;
  readonly databaseUrl: string;
  readonly receiver: OtlpReceiver;
  readonly instance: string;
  /** How long each job's work takes, in milliseconds. */
  readonly workMs?: number;
  /** Whether jobs sent with `{ hang: true }` hang (see the fixture). */
  readonly hang?: boolean;
  /** Whether every job fails. */
  readonly fail?: boolean;
  /** Milliseconds between metric exports; default 100. */
  readonly metricExportMs?: number;
}

/** Starts a worker and waits until it works its queue. */
export async function startWorker(spec: WorkerSpec): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: {
      ...process.env,
      QUEUE_KIND: spec.kind,
      QUEUE: spec.queue,
      DATABASE_URL: spec.databaseUrl,
      WORK_MS: String(spec.workMs ?? 0),
      HANG: spec.hang ? '1' : '0',
      FAIL: spec.fail ? '1' : '0',
      METRIC_EXPORT_MS: String(spec.metricExportMs ?? 100),
      OTEL_EXPORTER_OTLP_ENDPOINT: spec.receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${spec.instance}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const worker: WorkerProcess = {
    child,
    instance: spec.instance,
    started: () => [...output.matchAll(/^started (\S+)$/gm)].map((match) => match[1]!),
    output: () => output,
    exited,
  };
  await eventually(() => {
    expect(child.exitCode, output).toBeNull();
    expect(output).toMatch(/^ready$/m);
  }, 60_000);
  return worker;
}

/** Kills a worker that is still running, and waits for it to end. */
export async function killWorker(worker: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  await worker.exited;
}

/**
 * A metric's total as a backend sums it: the latest cumulative value of each series of each process
 * (`service.instance.id`), added up over the series whose attributes match `where`.
 */
export function receivedTotal(
  receiver: OtlpReceiver,
  name: string,
  where: Record<string, string> = {},
  instance?: string,
): number {
  const latest = new Map<string, ReceivedPoint>();
  for (const point of receiver.points()) {
    if (point.name !== name) continue;
    if (instance !== undefined && point.resource['service.instance.id'] !== instance) continue;
    if (Object.entries(where).some(([key, value]) => point.attributes[key] !== value)) continue;
    const key = JSON.stringify([
      point.resource['service.instance.id'],
      Object.entries(point.attributes).sort(),
    ]);
    latest.set(key, point);
  }
  let total = 0;
  for (const point of latest.values()) total += point.value;
  return total;
}
