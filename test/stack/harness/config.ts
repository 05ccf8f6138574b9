import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../../scripts/stack/components.js';

/** A parsed YAML configuration, as plain objects. */
export type Config = Record<string, unknown>;

/** A shipped configuration file under collector/, parsed. */
export function readShipped(relativePath: string): Config {
  return parse(readFileSync(join(REPO_ROOT, 'collector', relativePath), 'utf8')) as Config;
}

/**
 * Replaces the value at `path` in a shipped configuration. The key must already be there: a test
 * changes what the shipped file says (an address, a timing), it does not add to it unnoticed, and
 * a key renamed in the shipped file fails here by name.
 */
export function replaceAt(config: Config, path: readonly string[], value: unknown): void {
  let node: unknown = config;
  for (const key of path.slice(0, -1)) {
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (node === undefined || node === null || typeof node !== 'object') {
      throw new Error(`the shipped configuration has no ${path.join('.')}`);
    }
  }
  const last = path.at(-1)!;
  if (!(last in (node as Record<string, unknown>))) {
    throw new Error(`the shipped configuration has no ${path.join('.')}`);
  }
  (node as Record<string, unknown>)[last] = value;
}

/** Reads the value at `path`, which must be there. */
export function valueAt(config: Config, path: readonly string[]): unknown {
  let node: unknown = config;
  for (const key of path) {
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (node === undefined) throw new Error(`the shipped configuration has no ${path.join('.')}`);
  }
  return node;
}

/** A scratch directory under the system's temporary directory, for one test file's stack. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'queuetel-stack-'));

  write(name: string, content: Config | string): string {
    const file = join(this.dir, name);
    writeFileSync(file, typeof content === 'string' ? content : stringify(content));
    return file;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
