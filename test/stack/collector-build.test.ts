import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  COLLECTOR_MANIFEST,
  COLLECTOR_RELEASE,
  REPO_ROOT,
  stackBinary,
  type StackProgram,
} from '../../scripts/stack/components.js';
import { readShipped, type Config } from './harness/config.js';

/**
 * The collector built from collector/builder-config.yaml has exactly the components the shipped
 * configurations use and accepts each of them; the compose files run the releases the tests run.
 */

const CONFIGS = ['otelcol.yaml', 'gateway/loadbalancer.yaml', 'gateway/sampler.yaml'];
const KINDS = ['receivers', 'processors', 'exporters', 'extensions'] as const;

function run(program: StackProgram, args: readonly string[]): string {
  const result = spawnSync(stackBinary(program), args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${program} ${args.join(' ')} exited with ${result.status}:\n${output}`);
  return output;
}

/** The component types a configuration names, per kind (`batch/metrics` is of type `batch`). */
function typesUsed(config: Config): Record<(typeof KINDS)[number], Set<string>> {
  return Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      new Set(Object.keys((config[kind] as Config | undefined) ?? {}).map((id) => id.split('/')[0]!)),
    ]),
  ) as Record<(typeof KINDS)[number], Set<string>>;
}

describe('the collector built from collector/builder-config.yaml', () => {
  it('has exactly the components the shipped configurations use', () => {
    const built = parse(run('otelcol', ['components'])) as Record<string, unknown>;
    const used = CONFIGS.map((file) => typesUsed(readShipped(file)));
    for (const kind of KINDS) {
      const names = ((built[kind] as { name: string }[] | undefined) ?? []).map((c) => c.name).sort();
      const needed = [...new Set(used.flatMap((u) => [...u[kind]]))].sort();
      expect(names, kind).toEqual(needed);
    }
  });

  it.each(CONFIGS)('accepts %s as shipped', (file) => {
    run('otelcol', ['validate', `--config=${join(REPO_ROOT, 'collector', file)}`]);
  });

  it('is built at one collector release', () => {
    const manifest = parse(readFileSync(COLLECTOR_MANIFEST, 'utf8')) as Record<string, { gomod: string }[]>;
    const versions = KINDS.flatMap((kind) => manifest[kind] ?? []).map((c) => c.gomod.split(' ')[1]);
    expect(new Set(versions)).toEqual(new Set([`v${COLLECTOR_RELEASE}`]));
    expect(run('otelcol', ['--version'])).toContain(COLLECTOR_RELEASE);
  });
});

describe('the compose files', () => {
  const images = [
    ...Object.values(
      (readShipped('docker-compose.yaml').services as Record<string, { image?: string }>) ?? {},
    ),
    ...Object.values(
      (readShipped('docker-compose.gateway.yaml').services as Record<string, { image?: string }>) ?? {},
    ),
  ]
    .map((service) => service.image)
    .filter((image): image is string => image !== undefined);
  const tagOf = (repository: string) =>
    images.filter((i) => i.startsWith(`${repository}:`)).map((i) => i.split(':')[1]);

  it('run the collector release the tests build', () => {
    expect(new Set(tagOf('otel/opentelemetry-collector-contrib'))).toEqual(new Set([COLLECTOR_RELEASE]));
  });

  it('run the Jaeger, Prometheus and Alertmanager releases the tests run', () => {
    const version = (output: string) => /version:? v?(\d+\.\d+\.\d+)/i.exec(output)?.[1];
    expect(tagOf('jaegertracing/jaeger')).toEqual([version(run('jaeger', ['version']))]);
    expect(tagOf('prom/prometheus')).toEqual([`v${version(run('prometheus3', ['--version']))}`]);
    expect(tagOf('prom/alertmanager')).toEqual([`v${version(run('alertmanager', ['--version']))}`]);
  });
});
