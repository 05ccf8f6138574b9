import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface JsonReport {
  numFailedTests: number;
  numPassedTests: number;
  testResults: { name: string; status: string }[];
}

describe('the test command', () => {
  it('exits non-zero when a test fails, in the unit, integration and stack projects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'queuetel-verdict-'));
    try {
      const reportFile = join(dir, 'report.json');
      // The same vitest and configuration as `npm test`, over one failing test per project. The
      // integration project starts its own PostgreSQL, as on a machine without DATABASE_URL.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'DATABASE_URL'),
      );
      const run = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...env, QUEUETEL_FAILING_RUN: '1', QUEUETEL_TEST_REPORT: reportFile, NO_COLOR: '1' },
        timeout: 120_000,
      });
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
      const failedFiles = report.testResults
        .filter((file) => file.status === 'failed')
        .map((file) => file.name.slice(root.length))
        .sort();
      expect(failedFiles).toEqual([
        'test/fixtures/failing-run/integration.fails.ts',
        'test/fixtures/failing-run/stack.fails.ts',
        'test/fixtures/failing-run/unit.fails.ts',
      ]);
      expect(report.numFailedTests).toBe(3);
      expect(run.stdout).toMatch(/Tests\s+3 failed/);
      expect(run.status, run.stderr).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
