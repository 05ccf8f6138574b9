import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_INSTRUMENTS } from '@queuetel/core';
import { fillTables, generatedDocs, TABLES } from './generate.js';

// Building the TypeScript program the options are read from takes a while on a busy machine.
const SLOW = 180_000;

describe('generated docs tables', () => {
  it(
    'match the code: run npm run docs when this fails',
    async () => {
      const drifted = (await generatedDocs()).filter((page) => page.current !== page.wanted);
      expect(drifted.map((page) => page.file)).toEqual([]);
    },
    SLOW,
  );

  it('are each used by some page', () => {
    const docs = new URL('../../docs/', import.meta.url);
    const text = readdirSync(docs)
      .filter((name) => name.endsWith('.md'))
      .map((name) => readFileSync(new URL(name, docs), 'utf8'))
      .join('\n');
    for (const id of Object.keys(TABLES)) expect(text).toContain(`<!-- generated:${id} -->`);
  });

  it('list every instrument of the registry once on docs/metrics.md', () => {
    const page = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    for (const { name } of ALL_INSTRUMENTS) expect(page.split(`| \`${name}\``).length - 1, name).toBe(1);
  });

  it(
    'rewrite a stale table and refuse a marker that names no table',
    () => {
      const stale =
        '<!-- generated:options pgmq-consume -->\n| option |\n| `vt` | 31 |\n<!-- /generated -->\n';
      const filled = fillTables(stale, 'page.md');
      expect(filled).toMatch(/\| `vt` \| `number` \| 30 \| Visibility timeout/);
      expect(filled).not.toContain('31');
      expect(() => fillTables('<!-- generated:options nothing -->\n<!-- /generated -->', 'page.md')).toThrow(
        "page.md: no generated table is called 'options nothing'",
      );
    },
    SLOW,
  );
});
