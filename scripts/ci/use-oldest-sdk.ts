// Switches a copy of the repository to the oldest supported OpenTelemetry JS (see sdk-lines.ts):
// pins every @opentelemetry package there, through npm overrides so that the packages' own ranges
// resolve to it too, and drops those packages from the lock file so that `npm install` resolves
// them again. Usage: node --import tsx scripts/ci/use-oldest-sdk.ts <copy of the repository>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oldestSdk } from './sdk-lines.js';

const copy = process.argv[2];
if (!copy) throw new Error('usage: use-oldest-sdk.ts <copy of the repository>');

const oldest = oldestSdk(copy);
const manifestFile = join(copy, 'package.json');
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
  devDependencies: Record<string, string>;
  overrides?: Record<string, string>;
};
for (const name of Object.keys(manifest.devDependencies)) {
  const version = oldest[name];
  if (version) manifest.devDependencies[name] = version;
}
manifest.overrides = { ...manifest.overrides, ...oldest };
writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);

const lockFile = join(copy, 'package-lock.json');
const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, unknown> };
for (const path of Object.keys(lock.packages)) {
  if (path.includes('node_modules/@opentelemetry/')) delete lock.packages[path];
}
writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  `oldest OpenTelemetry JS pinned: ${Object.entries(oldest)
    .map(([n, v]) => `${n}@${v}`)
    .join(' ')}`,
);
