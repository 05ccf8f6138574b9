import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against each package's TypeScript source; test/consumers checks the built output.
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const alias = [
  { find: '@queuetel/core/internal', replacement: `${packagesDir}core/src/internal.ts` },
  { find: '@queuetel/pg-boss/instrumentation', replacement: `${packagesDir}pg-boss/src/instrumentation.ts` },
  { find: '@queuetel/pgmq/instrumentation', replacement: `${packagesDir}pgmq/src/instrumentation.ts` },
  ...readdirSync(packagesDir).map((name) => ({
    find: new RegExp(`^@queuetel/${name}$`),
    replacement: `${packagesDir}${name}/src/index.ts`,
  })),
];

// QUEUETEL_FAILING_RUN=1 runs each project over one deliberately failing test instead of the suite,
// with everything else as configured: test/ci/verdict.test.ts expects that run to fail.
const failingRun = process.env.QUEUETEL_FAILING_RUN === '1';
// QUEUETEL_TEST_REPORT names a file for vitest's JSON report, from which .ci/run sums the counts.
const report = process.env.QUEUETEL_TEST_REPORT;

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: failingRun
            ? ['test/fixtures/failing-run/unit.fails.ts']
            : ['packages/*/test/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      // The benchmarks' own unit tests (statistics, the gate's decision, the sink, the report).
      ...(failingRun
        ? []
        : [
            {
              extends: true as const,
              test: { name: 'benchmarks', include: ['benchmarks/test/**/*.test.ts'] },
            },
          ]),
      {
        extends: true,
        test: {
          name: 'integration',
          include: failingRun ? ['test/fixtures/failing-run/integration.fails.ts'] : ['test/**/*.test.ts'],
          exclude: ['test/stack/**'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The observability stack run as real programs (test/stack/): after the other projects and
        // one file at a time, so that its timings (job to dashboard, alert delays) are not measured
        // on a machine busy with the rest of the suite. scripts/stack/build.ts provides the programs.
        extends: true,
        test: {
          name: 'stack',
          include: failingRun ? ['test/fixtures/failing-run/stack.fails.ts'] : ['test/stack/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
