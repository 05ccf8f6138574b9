import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against each package's TypeScript source; test/consumers checks the built output.
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const alias = [
  { find: '@queuetel/core/internal', replacement: `${packagesDir}core/src/internal.ts` },
  ...readdirSync(packagesDir).map((name) => ({
    find: new RegExp(`^@queuetel/${name}$`),
    replacement: `${packagesDir}${name}/src/index.ts`,
  })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
