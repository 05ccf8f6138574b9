import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, and collector/ in it. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COLLECTOR = `${ROOT}collector/`;

const PACKAGE_OF = { promtool: 'prometheus', amtool: 'prometheus-alertmanager' } as const;

export interface ToolRun {
  readonly code: number | null;
  /** stdout and stderr together, for the failure message. */
  readonly output: string;
}

/**
 * Runs Prometheus's promtool or Alertmanager's amtool. A missing tool fails the test with how to
 * install it, rather than skipping: these checks are the proof that the rules and routes work.
 */
export function runTool(name: keyof typeof PACKAGE_OF, args: readonly string[], cwd = ROOT): ToolRun {
  const result = spawnSync(name, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${name} is not installed. It comes with Debian's ${PACKAGE_OF[name]} package: ` +
        `apt-get install -y --no-install-recommends prometheus prometheus-alertmanager ` +
        `(npm test installs it first, through scripts/test-deps.sh).`,
    );
  }
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
