import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oldestSdk } from '../../scripts/ci/sdk-lines.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';

/**
 * The packed tarballs, installed as a user would: into fresh projects from the npm registry, with
 * npm's default (strict) peer resolution, beside the oldest and the newest OpenTelemetry JS that
 * queuetel supports, and beside the API alone. npm's cache is the machine's, shared across runs.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const rootLock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, { version: string }>;
};
/** The versions the repository's own tests run: the consumers get the same pg-boss, pg and types. */
const locked = (name: string): string => rootLock.packages[`node_modules/${name}`]!.version;

const oldest = oldestSdk(root);
// The newest is the registry's latest, pinned as `npm install <name>@latest` would write it down.
const SDK_LINES = {
  oldest: {
    '@opentelemetry/api': oldest['@opentelemetry/api']!,
    '@opentelemetry/sdk-node': oldest['@opentelemetry/sdk-node']!,
  },
  newest: { '@opentelemetry/api': 'latest', '@opentelemetry/sdk-node': 'latest' },
};

let work: string;
let tarballs: Record<string, string>;
let db: TestDatabase;
let receiver: OtlpReceiver;

/** Creates a project with these dependencies and installs it; returns its folder and npm's output. */
async function install(
  name: string,
  dependencies: Record<string, string>,
): Promise<{ dir: string; output: string }> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module', dependencies }, null, 2),
  );
  const { stdout, stderr } = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return { dir, output: `${stdout}${stderr}` };
}

/** npm's lines about peers or engines: any of them means the install is not clean. */
function complaints(output: string): string[] {
  return output.split('\n').filter((line) => /peer|ERESOLVE|invalid|EBADENGINE/i.test(line));
}

const queuetel = (...names: string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [`@queuetel/${name}`, `file:${tarballs[name]}`]));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'queuetel-consumers-'));
  const packDir = join(work, 'tarballs');
  mkdirSync(packDir);
  const { stdout } = await run('npm', ['pack', '--workspaces', '--json', '--pack-destination', packDir], {
    cwd: root,
    encoding: 'utf8',
  });
  tarballs = Object.fromEntries(
    (JSON.parse(stdout) as { name: string; filename: string }[]).map((p) => [
      p.name.replace('@queuetel/', ''),
      join(packDir, p.filename),
    ]),
  );
  for (const sdk of Object.values(SDK_LINES)) {
    for (const [name, version] of Object.entries(sdk)) {
      if (version === 'latest') {
        const { stdout: latest } = await run('npm', ['view', `${name}@latest`, 'version'], {
          encoding: 'utf8',
        });
        (sdk as Record<string, string>)[name] = latest.trim();
      }
    }
  }
  db = await createTestDatabase('consumers');
  receiver = await startOtlpReceiver();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// A worker as README's quick start writes it: startTelemetry(), an instrumented PgBoss, one job;
// it also loads the entries of PgBossInstrumentation and PgmqInstrumentation.
const WORKER = `
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
// The subpath's optional peer came with the SDK: it loads.
import { PgBossInstrumentation } from '@queuetel/pg-boss/instrumentation';
import { PgmqInstrumentation } from '@queuetel/pgmq/instrumentation';
import { PgBoss } from 'pg-boss';

if (typeof PgBossInstrumentation !== 'function') throw new Error('no PgBossInstrumentation');
if (typeof PgmqInstrumentation !== 'function') throw new Error('no PgmqInstrumentation');

const telemetry = startTelemetry({ serviceName: process.env.SERVICE, endpoint: process.env.ENDPOINT });
const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, schema: process.env.SERVICE });
const instrumented = instrumentPgBoss(boss);
await boss.start();
await boss.createQueue('consumer');
const done = new Promise((resolve) => {
  void boss.work('consumer', { pollingIntervalSeconds: 0.5 }, instrumented.eachJob(async (job) => resolve(job.data)));
});
await boss.send('consumer', { from: process.env.SERVICE });
const data = await done;
await boss.stop({ graceful: true, wait: true });
await telemetry.shutdown();
console.log(JSON.stringify(data));
`;

describe.concurrent.each(Object.entries(SDK_LINES))(
  'the packed packages beside the %s OpenTelemetry JS',
  (line, sdk) => {
    it('install with no peer complaint and run a pg-boss job whose span reaches the collector', async () => {
      const { dir, output } = await install(line, {
        ...sdk,
        'pg-boss': locked('pg-boss'),
        pg: locked('pg'),
        ...queuetel('core', 'pg-boss', 'pgmq', 'health', 'node', 'cli'),
      });
      expect(complaints(output)).toEqual([]);
      // npm ls fails on any missing or invalid dependency, peers included.
      await run('npm', ['ls', '--all'], { cwd: dir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      const installed = JSON.parse(
        readFileSync(join(dir, 'node_modules/@opentelemetry/sdk-node/package.json'), 'utf8'),
      ) as {
        version: string;
      };
      if (line === 'oldest') expect(installed.version).toBe(sdk['@opentelemetry/sdk-node']);

      writeFileSync(join(dir, 'worker.mjs'), WORKER);
      const service = `consumer_${line}`;
      const { stdout } = await run(process.execPath, ['worker.mjs'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, SERVICE: service, ENDPOINT: receiver.endpoint, DATABASE_URL: db.url },
      });
      expect(JSON.parse(stdout)).toEqual({ from: service });
      const processed = receiver
        .spans()
        .filter((s) => s.resource['service.name'] === service && s.name === 'process consumer');
      expect(processed.length).toBeGreaterThan(0);
    }, 300_000);
  },
);

describe.concurrent('the type declarations', () => {
  it('compile without skipLibCheck beside the OpenTelemetry API alone, with no SDK installed', async () => {
    const { dir, output } = await install('api-only', {
      '@opentelemetry/api': SDK_LINES.newest['@opentelemetry/api'],
      'pg-boss': locked('pg-boss'),
      pg: locked('pg'),
      '@types/pg': locked('@types/pg'),
      '@types/node': locked('@types/node'),
      ...queuetel('core', 'pg-boss', 'pgmq', 'health'),
    });
    expect(complaints(output)).toEqual([]);
    // The optional peer is absent, so a declaration that named it would fail below.
    expect(existsSync(join(dir, 'node_modules/@opentelemetry/sdk-metrics'))).toBe(false);
    writeFileSync(
      join(dir, 'main.ts'),
      ['core', 'pg-boss', 'pgmq', 'health']
        .map((name, i) => `import * as p${i} from '@queuetel/${name}';\nconsole.log(p${i});\n`)
        .join(''),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          skipLibCheck: false,
          noEmit: true,
        },
        files: ['main.ts'],
      }),
    );
    const tsc = run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    await expect(tsc).resolves.toMatchObject({ stdout: '' });
  }, 300_000);
});
