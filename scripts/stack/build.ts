// Builds the programs of the test stack that are missing and caches them by version outside the
// repository (components.ts says which and where), so that a warm machine starts the stack at once.
//
//   npm run stack:build                 everything the stack tests need
//   npm run stack:build -- jaeger       only the programs named
//
// Go programs are built from the Go module proxy; Prometheus 2 and Alertmanager are Debian's
// packages, installed when missing (as root). A failure ends the run with the step that failed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CACHE_DIR,
  COLLECTOR_MANIFEST,
  PROGRAMS,
  binaryPath,
  cacheKey,
  type ProgramSource,
  type StackProgram,
} from './components.js';
import { existsSync } from 'node:fs';

class BuildStepError extends Error {
  constructor(step: string, detail: string) {
    super(`stack build failed at step "${step}":\n${detail}`);
  }
}

/** Runs one step of a build, at low priority; throws naming the step, with the end of its output. */
function run(step: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): void {
  console.log(`  ${step}: ${command} ${args.join(' ')}`);
  const result = spawnSync('nice', ['-n', '10', command, ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new BuildStepError(step, result.error.message);
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new BuildStepError(step, `${command} exited with ${result.status}:\n${output}`);
  }
}

function requireGo(): void {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new BuildStepError('find Go', 'the `go` command is not on PATH; install Go 1.26 or later');
  }
}

// Static binaries, and no module lookups outside the proxy.
const GO_ENV = { CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };

/** A Go program at a module version: a throwaway module requires it as a tool, then builds it. */
function buildGoProgram(
  name: StackProgram,
  source: Extract<ProgramSource, { kind: 'go' }>,
  out: string,
): void {
  const work = mkdtempSync(join(tmpdir(), `queuetel-stack-${name}-`));
  try {
    writeFileSync(join(work, 'go.mod'), `module queuetel.local/stack/${name}\n\ngo 1.26\n`);
    run(
      `${name}: resolve ${source.module}@${source.version}`,
      'go',
      ['get', '-tool', `${source.pkg}@${source.version}`],
      work,
      GO_ENV,
    );
    run(
      `${name}: compile`,
      'go',
      ['build', '-trimpath', '-ldflags=-s -w', '-o', out, source.pkg],
      work,
      GO_ENV,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The collector: the Collector Builder, at the collector's release, builds the committed manifest. */
function buildCollector(source: Extract<ProgramSource, { kind: 'collector-builder' }>, out: string): void {
  const builderDir = join(CACHE_DIR, `builder-${source.builderVersion}`);
  const builder = join(builderDir, 'builder');
  if (!existsSync(builder)) {
    run(
      'otelcol: install the Collector Builder',
      'go',
      ['install', `go.opentelemetry.io/collector/cmd/builder@${source.builderVersion}`],
      tmpdir(),
      { ...GO_ENV, GOBIN: builderDir },
    );
  }
  const work = mkdtempSync(join(tmpdir(), 'queuetel-stack-otelcol-'));
  try {
    // The manifest's output_path is relative: the sources and binary land in the work directory.
    copyFileSync(COLLECTOR_MANIFEST, join(work, 'builder-config.yaml'));
    run('otelcol: generate and compile', builder, ['--config=builder-config.yaml', '--ldflags=-s -w'], work, {
      CGO_ENABLED: '0',
    });
    renameSync(join(work, 'otelcol-queuetel', source.binary), out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Prometheus 2 and Alertmanager from Debian, with every daemon start refused during the install. */
function installDebian(source: Extract<ProgramSource, { kind: 'debian' }>): void {
  if (process.getuid?.() !== 0) {
    throw new BuildStepError(
      `install ${source.aptPackage}`,
      `run as root, or apt-get install ${source.aptPackage}`,
    );
  }
  const policy = '/usr/sbin/policy-rc.d';
  const addedPolicy = !existsSync(policy);
  if (addedPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    run('apt-get update', 'apt-get', ['update', '-qq'], tmpdir());
    run(
      `install ${source.aptPackage}`,
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', source.aptPackage],
      tmpdir(),
      {
        DEBIAN_FRONTEND: 'noninteractive',
      },
    );
  } finally {
    if (addedPolicy) rmSync(policy, { force: true });
  }
}

function build(name: StackProgram): void {
  const source = PROGRAMS[name];
  const out = binaryPath(name);
  if (existsSync(out)) {
    console.log(`${name}: ${out} (cached)`);
    return;
  }
  const started = Date.now();
  console.log(`${name}: building ${cacheKey(name)}`);
  if (source.kind === 'debian') {
    installDebian(source);
  } else {
    requireGo();
    // Build next to the final place and move in at the end, so a failed build leaves no binary.
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.partial`;
    if (source.kind === 'go') buildGoProgram(name, source, partial);
    else buildCollector(source, partial);
    renameSync(partial, out);
  }
  console.log(`${name}: built in ${Math.round((Date.now() - started) / 1000)} s: ${out}`);
}

const requested = process.argv.slice(2);
const names = (requested.length > 0 ? requested : Object.keys(PROGRAMS)) as StackProgram[];
for (const name of names) {
  if (!(name in PROGRAMS)) {
    console.error(`unknown stack program "${name}"; known: ${Object.keys(PROGRAMS).join(', ')}`);
    process.exit(2);
  }
}
try {
  for (const name of names) build(name);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
