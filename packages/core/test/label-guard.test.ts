import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLabelGuard, LABEL_MARKERS, type FoldReason, type LabelDefinition } from '@queuetel/core';
import { OnceReporter } from '@queuetel/core/internal';

interface Job {
  data: Record<string, unknown>;
}

function guardFor(definition: Partial<LabelDefinition<Job>> = {}) {
  const folds: [string, FoldReason][] = [];
  const guard = createLabelGuard<Job>(
    'project',
    { from: 'data.project', ...definition },
    (key, reason) => folds.push([key, reason]),
    new OnceReporter(),
  );
  return { guard, folds, read: (value: unknown) => guard.read({ data: { project: value } }) };
}

function captureDiag(): string[] {
  const lines: string[] = [];
  const log = (message: string) => lines.push(message);
  const logger: DiagLogger = { error: log, warn: log, info: log, debug: log, verbose: log };
  diag.setLogger(logger, DiagLogLevel.WARN);
  return lines;
}

afterEach(() => diag.disable());

describe('a bounded label', () => {
  it('keeps the first maxValues distinct values, then folds new ones into the overflow marker', () => {
    const { read, folds } = guardFor({ maxValues: 3 });
    expect(['a', 'b', 'c'].map(read)).toEqual(['a', 'b', 'c']);
    expect(read('d')).toBe(LABEL_MARKERS.overflow);
    expect(read('e')).toBe(LABEL_MARKERS.overflow);
    // A value seen before the cap was reached stays itself.
    expect(read('b')).toBe('b');
    expect(folds).toEqual([
      ['project', 'overflow'],
      ['project', 'overflow'],
    ]);
  });

  it('defaults to a cap of 50 distinct values', () => {
    const { read } = guardFor();
    const out = Array.from({ length: 60 }, (_, i) => read(`p${i}`));
    expect(new Set(out).size).toBe(51);
    expect(out.slice(50).every((value) => value === LABEL_MARKERS.overflow)).toBe(true);
  });

  it('records a value outside the allowed set as _other', () => {
    const { read, folds } = guardFor({ values: ['ok', 'error'] });
    expect(read('ok')).toBe('ok');
    expect(read('teapot')).toBe(LABEL_MARKERS.other);
    expect(folds).toEqual([['project', 'other']]);
  });

  it('normalises before bounding: 503 and 504 both become 5xx', () => {
    const { read } = guardFor({
      normalize: (value) => `${String(value).charAt(0)}xx`,
      maxValues: 2,
    });
    expect([503, 504, 201, 404].map(read)).toEqual(['5xx', '5xx', '2xx', LABEL_MARKERS.overflow]);
  });

  it('marks missing, wrongly typed, empty and overlong values', () => {
    const { read, folds } = guardFor({ maxLength: 5 });
    expect(read(undefined)).toBe(LABEL_MARKERS.missing);
    expect(read(null)).toBe(LABEL_MARKERS.missing);
    expect(read({ nested: true })).toBe(LABEL_MARKERS.invalid);
    expect(read(['a'])).toBe(LABEL_MARKERS.invalid);
    expect(read(Number.NaN)).toBe(LABEL_MARKERS.invalid);
    expect(read('')).toBe(LABEL_MARKERS.invalid);
    expect(read('toolong')).toBe(LABEL_MARKERS.invalid);
    expect(read(42)).toBe('42');
    expect(read(true)).toBe('true');
    // Missing is not a value, so it is not counted as folded; the five invalid ones are.
    expect(folds.filter(([, reason]) => reason === 'invalid')).toHaveLength(5);
    expect(folds).toHaveLength(5);
  });

  it('turns a throwing extractor into the error marker and reports it once through diag', () => {
    const lines = captureDiag();
    const folds: FoldReason[] = [];
    const guard = createLabelGuard<Job>(
      'tenant',
      {
        from: () => {
          throw new TypeError('no tenant here');
        },
      },
      (_key, reason) => folds.push(reason),
      new OnceReporter(),
    );
    expect(guard.read({ data: {} })).toBe(LABEL_MARKERS.error);
    expect(guard.read({ data: {} })).toBe(LABEL_MARKERS.error);
    expect(folds).toEqual(['error', 'error']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("label 'tenant'");
    expect(lines[0]).toContain('TypeError: no tenant here');
  });

  it('turns a throwing normaliser into the error marker', () => {
    const { read } = guardFor({
      normalize: () => {
        throw new Error('bad');
      },
    });
    expect(read('x')).toBe(LABEL_MARKERS.error);
  });

  it('follows a dotted path safely through missing and non-object steps', () => {
    const guard = createLabelGuard<unknown>('status', { from: 'a.b.c' }, () => {}, new OnceReporter());
    expect(guard.read({ a: { b: { c: 'deep' } } })).toBe('deep');
    expect(guard.read({ a: 'string' })).toBe(LABEL_MARKERS.missing);
    expect(guard.read(null)).toBe(LABEL_MARKERS.missing);
  });
});
