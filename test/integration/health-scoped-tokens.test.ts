import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@queuetel/cli';
import {
  createHealthHandler,
  startQueueHealth,
  type HealthReport,
  type QueueHealth,
  type QueueStats,
  type ScopedToken,
} from '@queuetel/health';
import type { TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss, type StartedBoss } from '../harness/pg-boss.js';
import { createPgmqDatabase } from '../harness/pgmq.js';

// Two tenants share one database: every queue of the second is named with GLOBEX, so that any body
// a first-tenant token gets can be scanned for it.
const GLOBEX = 'globex';
const PG_BOSS_QUEUES = { 'acme-emails': 3, 'acme-webhooks': 4, 'globex-billing': 6, 'globex-reports': 2 };
const PGMQ_QUEUES = { acme_events: 5, globex_events: 7 };

const ADMIN = 'admin-token-0a1';
const SCOPED: ScopedToken[] = [
  { token: 'acme-by-queue-1b2', queues: ['acme-*', 'acme_events'] },
  { token: 'acme-by-label-2c3', labels: { project: 'acme' } },
  { token: 'globex-by-label-3d4', labels: { project: 'globex' } },
];
const QUEUE_LABELS = { 'acme*': { project: 'acme' }, 'globex*': { project: 'globex' } };
const ACME_QUEUES = ['acme-emails', 'acme-webhooks', 'acme_events'];
const GLOBEX_QUEUES = ['globex-billing', 'globex-reports', 'globex_events'];

let db: TestDatabase;
let started: StartedBoss;
let collector: QueueHealth;
let base: string;
const servers: Server[] = [];

beforeAll(async () => {
  db = await createPgmqDatabase('health_scoped');
  started = await startBoss(
    '12.38 built-in off',
    db.url,
    createTestTelemetry('meter'),
    {},
    {
      monitorIntervalSeconds: 1,
      superviseIntervalSeconds: 1,
    },
  );
  for (const [name, jobs] of Object.entries(PG_BOSS_QUEUES)) {
    await started.boss.createQueue(name);
    for (let i = 0; i < jobs; i++) await started.boss.send(name, { i });
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  for (const [name, messages] of Object.entries(PGMQ_QUEUES)) {
    await client.query('SELECT pgmq.create($1)', [name]);
    for (let i = 0; i < messages; i++) await client.query('SELECT pgmq.send($1, $2)', [name, { i }]);
  }
  await client.end();
  collector = startQueueHealth({
    connectionString: db.url,
    pgBossSchemas: [started.schema],
    intervalSeconds: 1,
    meterProvider: createTestTelemetry('meter').meterProvider,
  });
  // pg-boss's monitor has counted every queue once each shows its jobs.
  await eventually(() => {
    const queues = collector.latest()?.queues ?? [];
    for (const [name, jobs] of Object.entries({ ...PG_BOSS_QUEUES, ...PGMQ_QUEUES })) {
      expect(queues.find((q) => q.name === name)?.jobs.ready, name).toBe(jobs);
    }
  });
  const handler = createHealthHandler(collector, {
    token: ADMIN,
    scopedTokens: SCOPED,
    queueLabels: QUEUE_LABELS,
  });
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await collector?.stop();
  await started?.stop();
  await db?.drop();
});

async function get(url: string, token?: string) {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, text: await response.text() };
}

describe('a scoped token on the health endpoint', () => {
  it.each([
    ['queue names', SCOPED[0]!.token, ACME_QUEUES, GLOBEX],
    ['a label', SCOPED[1]!.token, ACME_QUEUES, GLOBEX],
    ['another label', SCOPED[2]!.token, GLOBEX_QUEUES, 'acme'],
  ])(
    'bound to %s lists only its queues in /health, and nothing of the others',
    async (_, token, own, foreign) => {
      const { status, text } = await get(`${base}/health`, token);
      expect(status).toBe(200);
      const report = JSON.parse(text) as HealthReport;
      expect(report.queues.map((q) => q.name).sort()).toEqual([...own].sort());
      expect(report.workers).toEqual({});
      expect(text.toLowerCase()).not.toContain(foreign);
      // The numbers shown are the queue's own.
      const lengths = Object.fromEntries(report.queues.map((q) => [q.name, q.queue_length]));
      const expected = { ...PG_BOSS_QUEUES, ...PGMQ_QUEUES } as Record<string, number>;
      for (const name of own) expect(lengths[name], name).toBe(expected[name]);
    },
  );

  it("answers another tenant's queue exactly as a queue that does not exist: 404, same body", async () => {
    const token = SCOPED[0]!.token;
    for (const name of GLOBEX_QUEUES) {
      const foreign = await get(`${base}/queues/${name}`, token);
      const missing = await get(`${base}/queues/${name.replace(GLOBEX, 'nosuch')}`, token);
      expect(foreign.status, name).toBe(404);
      expect(foreign.text.replace(name, 'X')).toBe(missing.text.replace(name.replace(GLOBEX, 'nosuch'), 'X'));
    }
    const own = await get(`${base}/queues/acme-webhooks`, token);
    expect(own.status).toBe(200);
    expect((JSON.parse(own.text) as QueueStats).queue_length).toBe(4);
    expect(own.text).not.toContain(GLOBEX);
  });

  it('leaves the unscoped token every queue, and refuses a token that is not configured', async () => {
    const all = JSON.parse((await get(`${base}/health`, ADMIN)).text) as HealthReport;
    expect(all.queues.map((q) => q.name).sort()).toEqual([...ACME_QUEUES, ...GLOBEX_QUEUES].sort());
    expect((await get(`${base}/queues/globex-billing`, ADMIN)).status).toBe(200);
    for (const token of [undefined, 'acme', `${SCOPED[0]!.token}x`]) {
      const refused = await get(`${base}/health`, token);
      expect(refused.status, String(token)).toBe(401);
      expect(refused.text).not.toMatch(/acme|globex/);
    }
  });
});

describe('a scoped token on `queuetel collect`', () => {
  it('scrapes /metrics with only its own queues, while the unscoped token scrapes them all', async () => {
    const file = join(tmpdir(), `${db.name}-scopes.json`);
    writeFileSync(file, JSON.stringify({ scopedTokens: SCOPED, queueLabels: QUEUE_LABELS }));
    const stop = new AbortController();
    let stderr = '';
    const running = runCli(
      // A lock of its own: the collector above leads the default group.
      [
        'collect',
        '--database-url',
        db.url,
        '--interval',
        '1',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--prometheus',
        '--lock-name',
        'sidecar',
      ],
      {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        env: { QUEUETEL_TOKEN: ADMIN, QUEUETEL_TOKEN_SCOPES: file, OTEL_METRICS_EXPORTER: 'none' },
        signal: stop.signal,
      },
    );
    try {
      const sidecar = await eventually(() => {
        const match = /serving (http:\/\/127\.0\.0\.1:\d+)\/health/.exec(stderr);
        expect(match, stderr).not.toBeNull();
        return match![1]!;
      });
      const everything = await eventually(async () => {
        const { text } = await get(`${sidecar}/metrics`, ADMIN);
        for (const name of [...ACME_QUEUES, ...GLOBEX_QUEUES]) expect(text).toContain(`"${name}"`);
        return text;
      });
      expect(everything).toContain('queuetel_collector_leader');
      for (const token of [SCOPED[0]!.token, SCOPED[1]!.token]) {
        const scoped = await get(`${sidecar}/metrics`, token);
        expect(scoped.status).toBe(200);
        expect(scoped.text).toMatch(
          /queuetel_queue_jobs\{[^}]*messaging_destination_name="acme-emails"[^}]*queuetel_queue_state="ready"[^}]*\} 3/,
        );
        for (const name of ACME_QUEUES) expect(scoped.text).toContain(`"${name}"`);
        expect(scoped.text).not.toContain(GLOBEX);
        // The collector's own series name no queue, and stay.
        expect(scoped.text).toContain('queuetel_collector_leader');
      }
      const globex = await get(`${sidecar}/metrics`, SCOPED[2]!.token);
      expect(globex.text).toContain('"globex-billing"');
      expect(globex.text).not.toContain('acme');
      expect((await get(`${sidecar}/metrics`, 'nope')).status).toBe(401);
      expect((await get(`${sidecar}/queues/globex_events`, SCOPED[1]!.token)).status).toBe(404);
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
  });

  it('refuses a scopes file with a bad entry, naming the file and the field', async () => {
    const file = join(tmpdir(), `${db.name}-bad-scopes.json`);
    writeFileSync(file, JSON.stringify({ scopedTokens: [{ token: 'a', queues: ['x'] }, { token: 'b' }] }));
    let stderr = '';
    const code = await runCli(['collect', '--database-url', db.url, '--token-scopes', file], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr).toContain(`--token-scopes: in '${file}', scopedTokens[1] must give queues or labels`);
  });
});
