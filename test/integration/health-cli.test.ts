import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@queuetel/cli';
import { monitoringRoleSql } from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { PAYLOAD_MARKER, runKnownWorkload } from '../harness/health.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss } from '../harness/pg-boss.js';

let db: TestDatabase;
let schema: string;
beforeAll(async () => {
  db = await createTestDatabase('health_cli');
  const started = await startBoss('10.x', db.url, createTestTelemetry('meter'));
  await runKnownWorkload(started.boss);
  await started.stop();
  schema = started.schema;
});
afterAll(async () => {
  await db.drop();
});

/** Runs the command in this process, as the bin would, and captures what it writes. */
async function queuetel(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

describe('queuetel, the command', () => {
  it('has --help for itself and for every command, and exits 2 on an unknown command', async () => {
    const main = await queuetel(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Commands:');
    for (const command of ['collect', 'status', 'role-sql']) {
      const { code, stdout } = await queuetel([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: queuetel ${command}`);
      expect((await queuetel(['help', command])).stdout).toBe(stdout);
    }
    const noUrl = await queuetel(['status'], {});
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--database-url is required (or set DATABASE_URL)');
    const unknown = await queuetel(['stats']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'stats'");
  });

  it('prints a status table of every queue, and its reasons', async () => {
    const { code, stdout } = await queuetel(['status', '--database-url', db.url]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^QUEUE\s+WHERE\s+STATUS\s+READY\s+DEFERRED\s+RETRY\s+BLOCKED\s+ACTIVE\s+FAILED\s+DEAD/,
    );
    const work = lines.find((line) => line.startsWith('work '))!.split(/\s+/);
    // QUEUE WHERE STATUS READY DEFERRED RETRY BLOCKED ACTIVE FAILED DEAD ...
    expect(work.slice(0, 10)).toEqual([
      'work',
      `pg-boss:${schema}`,
      'degraded',
      '5',
      '3',
      '0',
      '-',
      '2',
      '2',
      '2',
    ]);
    expect(lines.find((line) => line.startsWith('flaky '))).toMatch(/healthy\s+0\s+0\s+1\s+-/);
    expect(stdout).toContain('work (degraded): 2 jobs are in dead-letter queue work_dlq (limit 1)');
    expect(stdout).toMatch(/Read 4 queue\(s\) from pg-boss schema \S+ \(v\d+\), pg-boss scan in [\d.]+ ms/);
    expect(stdout).not.toContain(PAYLOAD_MARKER);
  });

  it('exits 1 when a queue is unhealthy, with thresholds from a file, and prints JSON on request', async () => {
    const file = join(tmpdir(), `${db.name}-thresholds.json`);
    writeFileSync(file, JSON.stringify({ queues: { work: { queueLength: { unhealthy: 8 } } } }));
    const { code, stdout } = await queuetel(['status', '--queue', 'work', '--thresholds', file, '--json'], {
      DATABASE_URL: db.url,
    });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { queues: { name: string; status: string; queue_length: number }[] };
    expect(report.queues).toEqual([
      expect.objectContaining({ name: 'work', status: 'unhealthy', queue_length: 8 }),
    ]);
  });

  it.each([
    [
      ['status', '--database-url', 'http://localhost/x'],
      2,
      '--database-url must use the postgres:// or postgresql:// scheme',
    ],
    [['status', '--nope'], 2, "Unknown option '--nope'"],
    [['status', '--statement-timeout', 'soon'], 2, '--statement-timeout must be a whole number'],
    [['status', '--thresholds', '/nonexistent/t.json'], 2, "--thresholds: cannot read '/nonexistent/t.json'"],
    [['status', '--schema', 'nope'], 4, "pg-boss schema 'nope' was not found in the database"],
    [['status', '--queue', 'nope'], 4, "queue 'nope' was not found"],
    [['status', '--pgmq'], 4, 'pgmq was asked for, but pgmq.metrics_all() does not exist'],
    [
      ['status', '--database-url', 'postgres://u:secret@127.0.0.1:1/x'],
      3,
      'cannot reach the database: connect ECONNREFUSED',
    ],
    [['role-sql', '--role', 'bad role'], 2, '--role must be a plain SQL identifier'],
  ])('%j exits %i, saying %s', async (args, code, message) => {
    const result = await queuetel(args, { DATABASE_URL: db.url });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('secret');
  });

  it('prints the monitoring-role script', async () => {
    const { code, stdout } = await queuetel(['role-sql', '--role', 'watcher', '--schema', 'pgboss']);
    expect(code).toBe(0);
    expect(stdout).toBe(monitoringRoleSql({ role: 'watcher', pgBossSchemas: ['pgboss'] }));
  });

  it('ships a bin that runs', () => {
    const manifest = JSON.parse(readFileSync('packages/cli/package.json', 'utf8')) as {
      version: string;
      bin: { queuetel: string };
    };
    const output = execFileSync(process.execPath, [`packages/cli/${manifest.bin.queuetel}`, '--version'], {
      encoding: 'utf8',
    });
    expect(output.trim()).toBe(manifest.version);
    expect(readFileSync(`packages/cli/${manifest.bin.queuetel}`, 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
  });
});

describe('queuetel collect, the sidecar', () => {
  let receiver: Server;
  let receiverUrl: string;
  const exports: string[] = [];
  beforeAll(async () => {
    // An OTLP/HTTP receiver on loopback that keeps every request body (JSON, as asked for below).
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        exports.push(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  function startCollect(args: string[], env: Record<string, string>): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'collect', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  it('exports over OTLP/HTTP, serves /metrics and the token-guarded endpoint, and stops on SIGTERM', async () => {
    const child = startCollect(
      ['--database-url', db.url, '--interval', '1', '--port', '0', '--host', '127.0.0.1', '--prometheus'],
      {
        QUEUETEL_TOKEN: 'sidecar-token',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_SERVICE_NAME: 'queue-sidecar',
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const base = await eventually(() => {
        const match = /serving (http:\/\/127\.0\.0\.1:\d+)\/health/.exec(stderr);
        expect(match).not.toBeNull();
        return match![1]!;
      });
      expect(stderr).not.toContain(db.url);

      expect((await fetch(`${base}/health`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const auth = { headers: { authorization: 'Bearer sidecar-token' } };
      const scraped = await eventually(async () => {
        const text = await (await fetch(`${base}/metrics`, auth)).text();
        expect(text).toMatch(
          /queuetel_queue_jobs\{[^}]*messaging_destination_name="work"[^}]*queuetel_queue_state="ready"[^}]*\} 5/,
        );
        return text;
      });
      expect(scraped).toContain('queuetel_collector_leader');
      const stats = (await (await fetch(`${base}/queues/work`, auth)).json()) as { queue_length: number };
      expect(stats.queue_length).toBe(8);

      const exported = await eventually(() => {
        const body = exports.find((b) => b.includes('queuetel.queue.jobs'));
        expect(body).toBeDefined();
        return body!;
      });
      expect(exported).toContain('queue-sidecar');
      expect(exported).not.toContain(PAYLOAD_MARKER);

      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(stderr).toContain('queuetel collect: stopping');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    [['--database-url', 'postgres://u:p@127.0.0.1:1/x'], {}, 3, 'cannot reach the database'],
    [['--schema', 'nope'], {}, 4, "pg-boss schema 'nope' was not found"],
    [['--interval', '1', '--statement-timeout', '3000'], {}, 2, '--statement-timeout must be a whole number'],
  ])(
    'stops at once, leaving nothing running, when started with %j %j: exit %i',
    async (args, env, code, message) => {
      const child = startCollect(['--port', '0', ...args], { DATABASE_URL: db.url, ...env });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [exitCode] = (await once(child, 'exit')) as [number];
      expect(exitCode).toBe(code);
      expect(stderr).toContain(message);
    },
  );
});
