// Shared by every published package: each builds its src/index.ts (and any extra entries it lists in
// package.json "tsup.entry") to ESM and CommonJS with type declarations for both.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { tsup?: { entry?: string[] } };

export default defineConfig({
  entry: manifest.tsup?.entry ?? ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
  shims: true,
  // Entries of one package share their modules in CommonJS too, so a class such as QueuetelConfigError
  // is one class whichever entry it is imported through.
  splitting: true,
});
