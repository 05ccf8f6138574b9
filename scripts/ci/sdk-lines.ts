// The oldest OpenTelemetry JS that queuetel supports, read from the packages' own manifests: the
// floor of each range they declare. CI installs it beside the newest to run the suite on both.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

function publishedManifests(root: string): Manifest[] {
  return readdirSync(join(root, 'packages')).map((dir) =>
    readManifest(join(root, 'packages', dir, 'package.json')),
  );
}

/**
 * Packages of opentelemetry-js-contrib, which have release numbers of their own: the release built on
 * the oldest experimental line (its `@opentelemetry/instrumentation` range is `^0.223.0`).
 */
const CONTRIB_ON_OLDEST: Readonly<Record<string, string>> = {
  '@opentelemetry/auto-instrumentations-node': '0.81.2',
};

/** The lowest version a range such as `>=2.12.0 <4` or `^0.223.0` admits. */
function floor(range: string): string {
  const found = /^(?:>=|\^|~)?(\d+\.\d+\.\d+)/.exec(range.trim());
  if (!found?.[1]) throw new Error(`sdk-lines: cannot read the lowest version of "${range}"`);
  return found[1];
}

/**
 * Every `@opentelemetry/*` package that the repository or its packages name, at the oldest version
 * the published packages accept: the API's peer floor, and for the SDK the floors of the stable
 * (2.x) and experimental (0.x) lines.
 */
export function oldestSdk(root: string): Record<string, string> {
  const published = publishedManifests(root);
  const publishedRanges = new Map(
    published.flatMap((m) => Object.entries({ ...m.dependencies, ...m.peerDependencies })),
  );
  const floorOf = (name: string): string => {
    const range = publishedRanges.get(name);
    if (!range) throw new Error(`sdk-lines: no published package names ${name}`);
    return floor(range);
  };
  const api = floorOf('@opentelemetry/api');
  const stable = floorOf('@opentelemetry/sdk-metrics');
  const experimental = floorOf('@opentelemetry/sdk-node');
  const named = [readManifest(join(root, 'package.json')), ...published]
    .flatMap((m) => Object.entries({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies }))
    .filter(([name]) => name.startsWith('@opentelemetry/'));
  const oldest = new Map<string, string>();
  for (const [name, range] of named) {
    // The experimental packages are versioned 0.x, the stable ones from 1.x (the API) and 2.x up.
    oldest.set(
      name,
      CONTRIB_ON_OLDEST[name] ??
        (name === '@opentelemetry/api' ? api : floor(range).startsWith('0.') ? experimental : stable),
    );
  }
  return Object.fromEntries([...oldest].sort(([a], [b]) => a.localeCompare(b)));
}
