import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const packages = readdirSync(`${root}packages`).map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as Manifest,
}));

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<
    string,
    string | { import: { types: string; default: string }; require: { types: string; default: string } }
  >;
}

function consume(file: string): {
  format: string;
  core: string[];
  pgBoss: string[];
  pgmq: string[];
  prefix: string;
  collected: number;
} {
  return JSON.parse(
    execFileSync(process.execPath, [`${root}test/consumers/${file}`], { encoding: 'utf8' }),
  ) as never;
}

describe('the published packages', () => {
  it('load from a plain ESM consumer and a plain CommonJS consumer with the same exports', () => {
    const esm = consume('esm.mjs');
    const cjs = consume('cjs.cjs');
    expect(esm.prefix).toBe('queuetel.');
    expect(cjs.prefix).toBe('queuetel.');
    expect(esm.core).toContain('JobTelemetry');
    // Helpers queuetel's packages share live behind @queuetel/core/internal, not in the public API.
    for (const internal of ['expectBoolean', 'typeName', 'describe', 'beatHeartbeat', 'HEARTBEAT_TABLE']) {
      expect(esm.core).not.toContain(internal);
    }
    expect(esm.pgBoss).toEqual(['DATA_CARRIER_KEY', 'instrumentPgBoss']);
    expect(cjs.core).toEqual(esm.core);
    expect(cjs.pgBoss).toEqual(esm.pgBoss);
    expect(esm.pgmq).toEqual(['MaxReadsExceededError', 'PgmqClient', 'PgmqTableLayoutError']);
    expect(cjs.pgmq).toEqual(esm.pgmq);
    expect(esm.collected).toBe(0);
  });

  it('share one QueuetelConfigError between @queuetel/core and its internal entry, in ESM and CommonJS', () => {
    const check = (load: string) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `${load}; console.log(core.QueuetelConfigError === internal.QueuetelConfigError && typeof internal.expectKnownKeys)`,
        ],
        { encoding: 'utf8', cwd: root },
      ).trim();
    expect(
      check(
        "const core = await import('@queuetel/core'); const internal = await import('@queuetel/core/internal')",
      ),
    ).toBe('function');
    expect(
      check(
        "const { createRequire } = await import('node:module'); const require = createRequire(process.cwd() + '/'); const core = require('@queuetel/core'); const internal = require('@queuetel/core/internal')",
      ),
    ).toBe('function');
  });

  it.each(packages.filter((p) => !p.manifest.private))(
    '$manifest.name ships ESM, CommonJS and types for both, with the OpenTelemetry API as a peer only',
    ({ dir, manifest }) => {
      expect(manifest.dependencies?.['@opentelemetry/api']).toBeUndefined();
      expect(manifest.peerDependencies?.['@opentelemetry/api']).toBeDefined();
      // Every entry point: the main one and subpaths such as @queuetel/pg-boss/instrumentation.
      const entries = Object.values(manifest.exports).filter((entry) => typeof entry !== 'string');
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        for (const file of [
          entry.import.default,
          entry.import.types,
          entry.require.default,
          entry.require.types,
        ]) {
          expect(existsSync(`${root}packages/${dir}/${file}`), file).toBe(true);
        }
      }
    },
  );

  it('lists pg-boss as a peer with the versions the tests cover', () => {
    const pgBoss = packages.find((p) => p.manifest.name === '@queuetel/pg-boss')!;
    expect(pgBoss.manifest.peerDependencies?.['pg-boss']).toBe('>=10.1.0 <13');
  });

  it('lists pg as a peer of the pgmq client, which never imports it', () => {
    const pgmq = packages.find((p) => p.manifest.name === '@queuetel/pgmq')!;
    expect(pgmq.manifest.peerDependencies?.pg).toBe('>=8.0.0 <9');
    expect(pgmq.manifest.dependencies?.pg).toBeUndefined();
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      const built = readFileSync(`${root}packages/pgmq/${file}`, 'utf8');
      expect(built, file).not.toMatch(/from "pg"|require\("pg"\)/);
    }
  });
});
