/**
 * npm run demo: webhook delivery on pg-boss and pgmq at once, instrumented with queuetel, with a
 * live view of each queue drawn from the SDK's own metrics and the queue-health collector.
 * `npm run demo -- --help` lists the options; USAGE in args.ts says the same.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { createHealthHandler, startQueueHealth, type HealthReport } from '@queuetel/health';
import { parseDemoArgs, USAGE, UsageError, type DemoArgs } from './args.js';
import { DEAD_LETTER_QUEUE, DEMO_SCHEMA, QUEUE, openDatabase, prepareDatabase } from './database.js';
import { LiveStats } from './live-stats.js';
import { startPgBossSide } from './pg-boss-worker.js';
import { startPgmqSide } from './pgmq-worker.js';
import { flatten } from './points.js';
import { startProducer } from './producer.js';
import { startReceivers } from './receivers.js';
import { renderLines, renderScreen, type Frame } from './render.js';
import { summarize } from './summary.js';
import { startDemoTelemetry } from './telemetry.js';

/** Seconds between plain lines when stdout is not a terminal. */
const PLAIN_EVERY_SECONDS = 5;

async function run(args: DemoArgs): Promise<number> {
  const terminal = process.stdout.isTTY === true;
  // Taken first, so that a busy port is said before anything is started.
  let handleHealth: RequestListener = (_request, response) => void response.writeHead(503).end();
  const endpoint = await listen((request, response) => handleHealth(request, response), args.port);
  const healthUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  const cleanups: (() => Promise<unknown>)[] = [() => new Promise((resolve) => endpoint.close(resolve))];

  try {
    // Before any instrumentation, as in any application.
    const telemetry = startDemoTelemetry();
    cleanups.unshift(() => telemetry.shutdown());
    const database = await openDatabase();
    cleanups.unshift(() => database.stop());
    console.log(`PostgreSQL: ${database.description}.`);
    const pgmqKind = await prepareDatabase(database.url);
    if (pgmqKind === 'fixture') {
      console.log(
        "pgmq: queuetel's pgmq-compatible test fixture (real deployments install the pgmq extension).",
      );
    }
    const receivers = await startReceivers();
    cleanups.unshift(() => receivers.close());

    const pgBoss = await startPgBossSide(database.url, receivers.url);
    const pgmq = startPgmqSide(database.url, receivers.url);
    const health = startQueueHealth({
      connectionString: database.url,
      intervalSeconds: 1,
      pgBossSchemas: [DEMO_SCHEMA],
      pgmq: true,
      queues: [QUEUE, DEAD_LETTER_QUEUE],
    });
    handleHealth = createHealthHandler(health);
    const producer = startProducer(
      args.rate,
      { pgBoss: pgBoss.send, pgmq: pgmq.send },
      trace.getTracer('queuetel-demo'),
    );
    const started = Date.now();
    if (telemetry.otlpEndpoint)
      console.log(`Exporting traces and metrics to ${telemetry.otlpEndpoint} over OTLP/HTTP.`);

    const stats = new LiveStats();
    let stopping = false;
    let latestHealth: HealthReport | undefined;
    let ticks = 0;
    const frame = (): Frame => ({
      rows: stats.rows(),
      health: latestHealth,
      healthUrl,
      elapsedSeconds: (Date.now() - started) / 1000,
      rate: args.rate,
      durationSeconds: args.durationSeconds,
      stopping,
    });
    const refresh = async () => {
      stats.update(flatten(await telemetry.collect()), Date.now());
      latestHealth = await fetchHealth(healthUrl);
      ticks++;
      if (terminal) process.stdout.write(renderScreen(frame()) + traceLine(producer.firstTraceId));
      else if (ticks % PLAIN_EVERY_SECONDS === 0) console.log(renderLines(frame()));
    };
    if (terminal) process.stdout.write('\x1b[2J\x1b[?25l');
    else
      console.log(
        `Running: ${args.rate} jobs/s${args.durationSeconds ? ` for ${args.durationSeconds} s` : ' until Ctrl-C'}; health at ${healthUrl}/health.`,
      );
    let refreshing = Promise.resolve();
    const timer = setInterval(() => {
      refreshing = refreshing.then(refresh).catch((error: Error) => console.error(`view: ${error.message}`));
    }, 1000);

    await stopRequested(args.durationSeconds, () => {
      stopping = true;
    });
    await producer.stop();
    await Promise.all([pgBoss.stop(), pgmq.stop()]);
    await health.stop();
    clearInterval(timer);
    await refreshing;
    const finalPoints = flatten(await telemetry.collect());
    stats.update(finalPoints, Date.now());
    if (terminal) process.stdout.write('\x1b[?25h\n');

    const summary = await summarize(database.url, finalPoints, producer.sent);
    console.log(summary.text);
    if (telemetry.otlpEndpoint && producer.firstTraceId) console.log(traceLine(producer.firstTraceId).trim());
    return summary.matches ? 0 : 1;
  } finally {
    for (const cleanup of cleanups) await cleanup();
    console.log('Stopped: jobs in flight finished, telemetry flushed, servers and PostgreSQL stopped.');
  }
}

function listen(handler: RequestListener, port: number): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new UsageError(
              `Port ${port} for the /health endpoint is not free: pass --port <another port>, or --port 0 for any free one.`,
            )
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function fetchHealth(healthUrl: string): Promise<HealthReport | undefined> {
  try {
    const response = await fetch(`${healthUrl}/health`, { signal: AbortSignal.timeout(900) });
    return (await response.json()) as HealthReport;
  } catch {
    return undefined;
  }
}

function traceLine(traceId: string | undefined): string {
  return traceId && process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? `Trace of the first delivery, to look up in Jaeger: ${traceId} (http://localhost:16686/trace/${traceId})\n`
    : '';
}

/** Resolves at the end of the duration or on the first Ctrl-C; a second Ctrl-C quits at once. */
function stopRequested(durationSeconds: number | undefined, onStop: () => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      onStop();
      process.once('SIGINT', () => {
        // The embedded server gets PostgreSQL's fast shutdown from the harness's exit handler.
        process.stdout.write('\x1b[?25h\nStopped at once: jobs in flight were abandoned.\n');
        process.exit(130);
      });
      resolve();
    };
    const timer = durationSeconds === undefined ? undefined : setTimeout(stop, durationSeconds * 1000);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function main(): Promise<void> {
  try {
    const args = parseDemoArgs(process.argv.slice(2));
    if (args === 'help') return console.log(USAGE);
    process.exitCode = await run(args);
  } catch (error) {
    if (process.stdout.isTTY) process.stdout.write('\x1b[?25h');
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  }
}

await main();
