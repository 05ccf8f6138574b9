import { REPO_ROOT } from '../../../scripts/stack/components.js';
import { startProcess, type StackProcess } from './process.js';

export interface WorkerSettings {
  readonly system: 'pg-boss' | 'pgmq';
  readonly databaseUrl: string;
  readonly queue: string;
  readonly deadLetter: string;
  readonly service: string;
  /** OTEL_EXPORTER_OTLP_* and other SDK settings, as a deployment would set them. */
  readonly otel: Record<string, string>;
  /** Run the queue-health collector in this process too. */
  readonly health?: boolean;
  /** Work the queue (default), or only enqueue. */
  readonly work?: boolean;
}

export interface HandledJob {
  readonly done: string;
  /** When the handler ran, by the worker's clock (the same machine's as the test's). */
  readonly at: number;
  readonly failed: boolean;
}

/** A worker process (test/stack/fixtures/worker.ts). */
export interface RunningWorker {
  readonly process: StackProcess;
  /** Enqueues a job through the worker's HTTP endpoint, under the given W3C traceparent. */
  enqueue(data: { project: string; fail?: boolean }, traceparent?: string): Promise<string>;
  /** The jobs the worker's handler has run so far, in order. */
  handled(): HandledJob[];
}

function lines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function startWorker(name: string, settings: WorkerSettings): Promise<RunningWorker> {
  let port: number | undefined;
  const process = await startProcess(
    name,
    globalThis.process.execPath,
    ['--import', 'tsx', 'test/stack/fixtures/worker.ts'],
    async () => {
      port = lines(process.output()).find((line) => line.ready !== undefined)?.ready as number | undefined;
      if (port === undefined) throw new Error('not listening yet');
    },
    {
      cwd: REPO_ROOT,
      env: {
        STACK_SYSTEM: settings.system,
        STACK_DATABASE_URL: settings.databaseUrl,
        STACK_QUEUE: settings.queue,
        STACK_DEAD_LETTER: settings.deadLetter,
        STACK_SERVICE: settings.service,
        STACK_HEALTH: settings.health ? '1' : '0',
        STACK_WORK: settings.work === false ? '0' : '1',
        // Export problems are reported through diag: make them visible in the worker's output.
        OTEL_LOG_LEVEL: 'warn',
        ...settings.otel,
      },
    },
  );
  return {
    process,
    async enqueue(data, traceparent) {
      const response = await fetch(`http://127.0.0.1:${port}/jobs`, {
        method: 'POST',
        body: JSON.stringify(data),
        headers: traceparent ? { traceparent } : {},
      });
      if (!response.ok)
        throw new Error(`${name} POST /jobs: HTTP ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    },
    handled: () =>
      lines(process.output()).filter((line) => line.done !== undefined) as unknown as HandledJob[],
  };
}
