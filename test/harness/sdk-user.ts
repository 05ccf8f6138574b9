import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An application outside this repository, as a user has it: its own folder, its own
 * `node_modules/pg-boss` (a real copy of the release under test, so the module is found under the
 * name users require), and the rest of its dependencies linked from the repository's install.
 * The fixture files in test/node/fixtures/sdk-user are its code.
 */
export interface SdkUserProject {
  readonly dir: string;
  run(command: 'esm' | 'cjs', env: Record<string, string>): Promise<RunResult>;
  /** Runs `node ...args` in the project, such as `['--require', './idle-sdk.cjs', 'idle-pg-boss.cjs']`. */
  launch(args: readonly string[], env: Record<string, string>): Promise<RunResult>;
  remove(): void;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON the scenario printed after `RESULT `. */
  readonly result: Record<string, unknown>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('../node/fixtures/sdk-user/', import.meta.url));

/** pg-boss 12 is the repository's `pg-boss`; 10.x is installed under the alias `pg-boss-10`. */
export function makeSdkUserProject(pgBoss: '10' | '12'): SdkUserProject {
  const dir = mkdtempSync(join(tmpdir(), `queuetel-sdk-user-${pgBoss}-`));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  const installed = join(repoRoot, 'node_modules');
  for (const entry of readdirSync(installed)) {
    if (entry === 'pg-boss' || entry === 'pg-boss-10' || entry.startsWith('.')) continue;
    symlinkSync(join(installed, entry), join(modules, entry));
  }
  // A copy, not a link: Node resolves a link to its real path, where the folder is named pg-boss-10.
  cpSync(join(installed, pgBoss === '10' ? 'pg-boss-10' : 'pg-boss'), join(modules, 'pg-boss'), {
    recursive: true,
  });
  cpSync(fixtures, dir, { recursive: true });

  const launch = (args: readonly string[], env: Record<string, string>): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        args,
        { cwd: dir, env: { ...process.env, ...env }, timeout: 150_000 },
        (error, stdout, stderr) => {
          const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
          if (error || !line) {
            reject(
              new Error(
                `the application failed: ${error?.message ?? 'no RESULT line'}\n${stdout}\n${stderr}`,
              ),
            );
            return;
          }
          resolve({
            stdout,
            stderr,
            result: JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>,
          });
        },
      );
    });

  return {
    dir,
    run: (command, env) =>
      launch(
        command === 'esm'
          ? ['--import', './telemetry.mjs', 'app.mjs']
          : ['--require', './telemetry.cjs', 'app.cjs'],
        env,
      ),
    launch,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
