import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The programs of the observability stack that the tests run for real, and where each comes from.
 * Every version the stack uses is written here once; scripts/stack/build.ts builds what is missing,
 * the tests find the binaries through {@link stackBinary}.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Collector Builder manifest: the components queuetel's collector configurations use. */
export const COLLECTOR_MANIFEST = join(REPO_ROOT, 'collector', 'builder-config.yaml');

/** Built binaries live here, one directory per program and version, outside the repository. */
export const CACHE_DIR = process.env.QUEUETEL_STACK_CACHE ?? join(homedir(), '.cache', 'queuetel', 'stack');

export type StackProgram = 'otelcol' | 'jaeger' | 'prometheus3' | 'prometheus' | 'alertmanager';

interface GoProgram {
  readonly kind: 'go';
  /** The Go module and the package in it that is the program. */
  readonly module: string;
  readonly pkg: string;
  readonly version: string;
  readonly binary: string;
}

interface CollectorBuild {
  readonly kind: 'collector-builder';
  readonly builderVersion: string;
  readonly binary: string;
}

interface DebianProgram {
  readonly kind: 'debian';
  readonly aptPackage: string;
  readonly path: string;
}

export type ProgramSource = GoProgram | CollectorBuild | DebianProgram;

/** The OpenTelemetry Collector release every collector module is at (see builder-config.yaml). */
export const COLLECTOR_RELEASE = '0.161.0';

export const PROGRAMS: Readonly<Record<StackProgram, ProgramSource>> = {
  otelcol: { kind: 'collector-builder', builderVersion: `v${COLLECTOR_RELEASE}`, binary: 'otelcol-queuetel' },
  // Module v1.76.0 is Jaeger 2.13.0: the v2 binary, a collector distribution with Jaeger's storage.
  jaeger: {
    kind: 'go',
    module: 'github.com/jaegertracing/jaeger',
    pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger',
    version: 'v1.76.0',
    binary: 'jaeger',
  },
  // Module v0.316.0 is Prometheus 3.16.0; it receives OTLP itself (--web.enable-otlp-receiver).
  prometheus3: {
    kind: 'go',
    module: 'github.com/prometheus/prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/prometheus',
    version: 'v0.316.0',
    binary: 'prometheus',
  },
  prometheus: { kind: 'debian', aptPackage: 'prometheus', path: '/usr/bin/prometheus' },
  alertmanager: {
    kind: 'debian',
    aptPackage: 'prometheus-alertmanager',
    path: '/usr/bin/prometheus-alertmanager',
  },
};

/** The cache directory of a built program: its version, and for the collector its manifest's hash. */
export function cacheKey(name: StackProgram): string {
  const source = PROGRAMS[name];
  if (source.kind === 'go') return `${name}-${source.version}`;
  if (source.kind === 'collector-builder') {
    const manifest = createHash('sha256').update(readFileSync(COLLECTOR_MANIFEST)).digest('hex');
    return `${name}-${COLLECTOR_RELEASE}-${manifest.slice(0, 12)}`;
  }
  return name;
}

/** Where the program's binary is once built or installed. */
export function binaryPath(name: StackProgram): string {
  const source = PROGRAMS[name];
  if (source.kind === 'debian') return source.path;
  return join(CACHE_DIR, cacheKey(name), source.binary);
}

/** How to get a program that is missing, for the error that says so. */
export function howToGet(name: StackProgram): string {
  const source = PROGRAMS[name];
  if (source.kind === 'debian') {
    return `install Debian's ${source.aptPackage} package (scripts/stack/build.ts does, as root)`;
  }
  return 'build it with `npm run stack:build` (scripts/stack/build.ts)';
}

/**
 * The binary of a stack program, for a test to run. A program that is not there is an error naming
 * the step that makes it, never a reason to skip: the tests are the proof that the stack works.
 */
export function stackBinary(name: StackProgram): string {
  const path = binaryPath(name);
  if (!existsSync(path)) throw new Error(`stack program ${name} is missing at ${path}: ${howToGet(name)}`);
  return path;
}
