import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { runKnownWorkload } from '../harness/health.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss, type StartedBoss } from '../harness/pg-boss.js';
import { fuzz, sendRaw } from './hostile-requests.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/health-server.ts', import.meta.url));
const TOKEN = 'fuzz-token-0b7e';
const REQUESTS = 2500;

let db: TestDatabase;
let started: StartedBoss;
beforeAll(async () => {
  db = await createTestDatabase('faults_fuzz');
  started = await startBoss('12.38 built-in off', db.url, createTestTelemetry('meter'));
  await runKnownWorkload(started.boss);
});
afterAll(async () => {
  await started.stop();
  await db.drop();
});

interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
}

/** Starts a server process and waits for the port it prints on `pattern`. */
async function serve(args: string[], env: Record<string, string>, pattern: RegExp): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await eventually(() => {
    const match = pattern.exec(output);
    expect(match, output).not.toBeNull();
    return Number(match![1]);
  });
  return { child, port, output: () => output };
}

async function stop(served: Served): Promise<void> {
  if (served.child.exitCode !== null) return;
  served.child.kill('SIGTERM');
  await once(served.child, 'exit');
}

describe.each([
  {
    name: 'http.createServer(createHealthHandler(…)), as the README shows it',
    args: [fixture],
    env: () => ({ DATABASE_URL: db.url }),
    pattern: /listening (\d+)/,
    token: undefined,
    health: 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
  },
  {
    name: 'queuetel collect, with a token and /metrics',
    args: ['packages/cli/src/main.ts', 'collect', '--port', '0', '--host', '127.0.0.1', '--prometheus'],
    env: () => ({ DATABASE_URL: db.url, QUEUETEL_TOKEN: TOKEN, OTEL_METRICS_EXPORTER: 'none' }),
    pattern: /serving http:\/\/127\.0\.0\.1:(\d+)\/health/,
    token: TOKEN,
    health: `GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
  },
])('$name', ({ args, env, pattern, token, health }) => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(args, env(), pattern);
  });
  afterAll(async () => {
    await stop(served);
  });

  it.each([
    ['//a:99999/health', 404],
    ['//[', 404],
    ['//%zz/x', 404],
    ['*', 400],
    ['http://a:99999/health', 400],
  ])('answers %s with %i and stays up', async (target, expected) => {
    const answer = await sendRaw(served.port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(answer).toBe(expected);
    expect(served.child.exitCode).toBeNull();
  });

  it('answers a queue name that is not valid percent-encoding with 400', async () => {
    const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
    const answer = await sendRaw(
      served.port,
      Buffer.from(`GET /queues/%zz HTTP/1.1\r\nHost: x\r\n${auth}\r\n`),
    );
    expect(answer).toBe(400);
  });

  it(`stays up and keeps answering through ${REQUESTS} hostile requests`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261201);
    const tally = await fuzz(served.port, { count: REQUESTS, concurrency: 24, seed, token });
    const summary = `seed ${seed}: ${JSON.stringify([...tally])}\n${served.output()}`;
    expect(served.child.exitCode, summary).toBeNull();
    // Every connection was answered or closed by the server; none hung, none found it gone, and no
    // request made the handler fail (500).
    expect(tally.get('refused') ?? 0, summary).toBe(0);
    expect(tally.get('timeout') ?? 0, summary).toBe(0);
    expect(tally.get(500) ?? 0, summary).toBe(0);
    expect([...tally.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    // Some of them were well-formed enough to be served, and some were turned away as malformed.
    expect(
      [...tally.keys()].some((k) => k === 200 || k === 503),
      summary,
    ).toBe(true);
    expect(tally.get(400) ?? 0, summary).toBeGreaterThan(0);

    const after = await sendRaw(served.port, Buffer.from(health));
    expect([200, 503]).toContain(after);
  });
});
