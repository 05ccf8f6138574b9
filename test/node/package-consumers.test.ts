import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a snippet as a plain Node program in the repository, as an application would load the package. */
function run(args: string[]): unknown {
  return JSON.parse(
    execFileSync(process.execPath, args, {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: 'consumer',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      },
    }),
  );
}

// What the snippets do with the built package: start, check the second call, shut down.
const body = `
  const telemetry = node.startTelemetry({ shutdownTimeoutMillis: 500 });
  let second = '';
  try { node.startTelemetry(); } catch (error) { second = error.name; }
  telemetry.shutdown().then(() => console.log(JSON.stringify({ exports: Object.keys(node).sort(), second })));
`;

describe('the built @queuetel/node', () => {
  it('starts and shuts down from a plain ESM consumer and a plain CommonJS consumer alike', () => {
    const esm = run(['--input-type=module', '-e', `import * as node from '@queuetel/node';${body}`]);
    const cjs = run(['-e', `const node = require('@queuetel/node');${body}`]);
    expect(esm).toEqual(cjs);
    expect(esm).toEqual({
      exports: [
        'DEFAULT_CARDINALITY_LIMIT',
        'DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS',
        'DEFAULT_SHUTDOWN_TIMEOUT_MILLIS',
        'ExistingSdkError',
        'TelemetryAlreadyStartedError',
        'metricReadersFromEnv',
        'queuetelMetrics',
        'queuetelViews',
        'startTelemetry',
        'withQueuetel',
      ],
      second: 'TelemetryAlreadyStartedError',
    });
  });
});
