import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { QueuetelMetricProducer } from '@queuetel/core';
import {
  createAccess,
  createHealthHandler,
  readQueueHealth,
  redactUrl,
  startQueueHealth,
  type QueueHealth,
} from '@queuetel/health';
import { numberOf, parse, readOptionsOf, READ_FLAGS, thresholdsOf, tokenScopesOf } from '../args.js';
import { EXIT_CODES } from '../exit-codes.js';
import { HELP } from '../help.js';
import type { CliIo } from '../io.js';
import { serveMetrics } from '../metrics-route.js';
import { startCollectorTelemetry, type CollectorTelemetry } from '../telemetry.js';

/**
 * `queuetel collect`: the sidecar. It first reads the database once, so that a bad URL, a refused
 * login or a schema that does not exist stops it at once with a clear message and exit code. From
 * then on nothing stops it but a signal: database outages are ridden out with backoff.
 */
export async function collect(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parse('collect', argv, {
    ...READ_FLAGS,
    interval: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    prometheus: { type: 'boolean' },
    'lock-name': { type: 'string' },
    'shadow-comparison': { type: 'boolean' },
    'token-scopes': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(HELP.collect);
    return EXIT_CODES.ok;
  }
  const read = readOptionsOf('collect', values, io.env);
  const intervalSeconds = numberOf('collect', '--interval', values.interval, { min: 0.1, max: 3600 });
  const port = numberOf('collect', '--port', values.port, { integer: true, max: 65_535 }) ?? 9464;
  const host = values.host ?? '0.0.0.0';
  const thresholds = thresholdsOf('collect', values.thresholds);
  const token = io.env.QUEUETEL_TOKEN || undefined;
  const scopes = tokenScopesOf(
    'collect',
    values['token-scopes'] ?? (io.env.QUEUETEL_TOKEN_SCOPES || undefined),
  );
  const tokens = { token, ...scopes };
  const access = createAccess(tokens);

  // Everything is checked before anything is left running: the collector's options when it starts,
  // the OTEL_* variables when the SDK starts, the database with one read. Any failure stops both.
  const producer = new QueuetelMetricProducer();
  let health: QueueHealth | undefined;
  let telemetry: CollectorTelemetry | undefined;
  const server = createServer();
  try {
    health = startQueueHealth({
      ...read,
      intervalSeconds,
      lockName: values['lock-name'],
      shadowComparison: values['shadow-comparison'] ?? false,
      metricProducer: producer,
    });
    telemetry = startCollectorTelemetry({ prometheus: values.prometheus ?? false, producer });
    await readQueueHealth(read);
    const handler = createHealthHandler(health, { ...tokens, thresholds });
    const metrics = telemetry.prometheus && serveMetrics(telemetry.prometheus, access);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (metrics && request.url?.split('?')[0] === '/metrics') metrics(request, response);
      else handler(request, response);
    });
    await listen(server, port, host);
  } catch (error) {
    await health?.stop();
    await telemetry?.shutdown();
    throw error;
  }
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const address = server.address() as AddressInfo;
  const where = `http://${address.address}:${address.port}`;
  io.stderr.write(
    `queuetel collect: reading ${redactUrl(read.connectionString!)} every ${intervalSeconds ?? 5} s; ` +
      `serving ${where}/health${telemetry.prometheus ? ` and ${where}/metrics` : ''}` +
      `${telemetry.otlp ? `; OTLP metrics over ${telemetry.otlp}` : ''}\n`,
  );

  await stopRequested(io.signal);
  io.stderr.write('queuetel collect: stopping\n');
  await new Promise((resolve) => server.close(resolve));
  await health.stop();
  await telemetry.shutdown();
  return EXIT_CODES.ok;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Resolves on the signal given, else on SIGINT or SIGTERM. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
