import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  name: string;
  license: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory?: string };
  homepage?: string;
  publishConfig?: { access?: string };
  engines?: { node?: string };
  bin?: Record<string, string>;
  exports: Record<string, string | Record<string, { types: string; default: string }>>;
}

const rootManifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Manifest;
/** The repository's web address, as the root manifest gives it: https://github.com/owner/name. */
const repositoryUrl = rootManifest.repository!.url.replace(/^git\+/, '').replace(/\.git$/, '');

// What `npm pack` would put in each published package's tarball, from npm itself. The workspaces
// include the examples too, which are private and never published.
const packed = (
  JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--workspaces'], { cwd: root, encoding: 'utf8' }),
  ) as { name: string; files: { path: string }[] }[]
)
  .filter(({ name }) => name.startsWith('@queuetel/'))
  .map(({ name, files }) => {
    const dir = name.replace('@queuetel/', '');
    return {
      name,
      dir,
      files: files.map((file) => file.path).sort(),
      manifest: JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as Manifest,
    };
  });

/** The targets of a Markdown document's inline links. */
function linkTargets(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

describe('the packed tarballs', () => {
  it('are one per package', () => {
    expect(packed.map((p) => p.name).sort()).toEqual([
      '@queuetel/cli',
      '@queuetel/core',
      '@queuetel/health',
      '@queuetel/node',
      '@queuetel/pg-boss',
      '@queuetel/pgmq',
    ]);
  });

  it.each(packed)(
    '$name holds its entry points, README and LICENSE, and no sources or tests',
    ({ dir, files, manifest }) => {
      const entryPoints = Object.values(manifest.exports).flatMap((entry) =>
        typeof entry === 'string' ? [entry] : Object.values(entry).flatMap((e) => [e.types, e.default]),
      );
      for (const file of [...entryPoints, ...Object.values(manifest.bin ?? {})]) {
        expect(files, file).toContain(file.replace(/^\.\//, ''));
      }
      expect(files).toContain('README.md');
      expect(files).toContain('LICENSE');
      expect(readFileSync(`${root}packages/${dir}/LICENSE`, 'utf8')).toBe(
        readFileSync(`${root}LICENSE`, 'utf8'),
      );
      expect(files.filter((file) => /^(src|test)\/|tsconfig|\.test\./.test(file))).toEqual([]);
    },
  );

  it.each(packed)('$name says where it comes from and that it is public', ({ dir, manifest }) => {
    expect(manifest.license).toBe(rootManifest.license);
    expect(manifest.repository).toEqual({ ...rootManifest.repository, directory: `packages/${dir}` });
    expect(manifest.homepage).toBe(`${repositoryUrl}/tree/main/packages/${dir}#readme`);
    expect(manifest.keywords).toContain('opentelemetry');
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    expect(manifest.engines).toEqual(rootManifest.engines);
  });

  it.each(packed)(
    "$name's README links only to absolute addresses, each to a file of the repository",
    ({ dir }) => {
      const targets = linkTargets(readFileSync(`${root}packages/${dir}/README.md`, 'utf8'));
      for (const target of targets) {
        // A relative link breaks on the registry's page, which shows the README without the repository.
        expect(target, target).toMatch(/^https:\/\//);
        const inRepository = new RegExp(`^${repositoryUrl}/(?:blob|tree)/main/([^#]+)`).exec(target);
        if (inRepository) expect(existsSync(`${root}${inRepository[1]}`), target).toBe(true);
      }
    },
  );
});
