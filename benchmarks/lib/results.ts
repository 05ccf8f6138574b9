import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './machine.js';

/** The repository root, from this file's place in it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'benchmarks', 'results');

/** What every results file holds around a suite's own figures. */
export interface ResultsFile<Run> {
  readonly suite: string;
  readonly machine: Machine;
  /** The command that produced the file, to reproduce it. */
  readonly command: string;
  readonly run: Run;
}

/**
 * The results file of a suite. A quick smoke run writes a `.quick.tmp` file beside the baseline,
 * which git ignores, so it can never be committed in the baseline's place.
 */
export function resultsName(suite: string, quick: boolean): string {
  return quick ? `${suite}.quick.tmp` : suite;
}

export function resultsPath(name: string): string {
  return join(RESULTS_DIR, `${name}.json`);
}

/** Writes atomically, so a run stopped half-way never leaves a truncated baseline behind. */
export function writeResults<Run>(name: string, file: ResultsFile<Run>): string {
  const path = resultsPath(name);
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path.slice(0, -'.json'.length)}.tmp.json`;
  writeFileSync(partial, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(partial, path);
  return path;
}

export function readResults<Run>(name: string): ResultsFile<Run> | undefined {
  try {
    return JSON.parse(readFileSync(resultsPath(name), 'utf8')) as ResultsFile<Run>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
