import { FOLD_REASONS, LABEL_MARKERS, type FoldReason } from '../names.js';
import type { OnceReporter } from '../safe.js';
import type { LabelDefinition, LabelScalar } from '../types.js';
import { compileValueSource, type ValueReader } from './value-reader.js';

export const DEFAULT_MAX_VALUES = 50;
export const DEFAULT_MAX_LENGTH = 100;

/** Told each time a value is replaced by a marker, so the fold counter can count it. */
export type FoldListener = (key: string, reason: FoldReason) => void;

/**
 * Reads one label from a job and bounds it. `read` never throws and only ever returns one of at
 * most `maxValues` real values or one of the {@link LABEL_MARKERS}.
 */
export interface LabelGuard<Job> {
  readonly key: string;
  read(job: Job): string;
}

export function createLabelGuard<Job>(
  key: string,
  definition: LabelDefinition<Job>,
  onFold: FoldListener,
  reporter: OnceReporter,
): LabelGuard<Job> {
  const readRaw: ValueReader<Job> = compileValueSource(definition.from);
  const normalize = definition.normalize;
  const allowed = definition.values ? new Set(definition.values) : undefined;
  const maxValues = definition.maxValues ?? DEFAULT_MAX_VALUES;
  const maxLength = definition.maxLength ?? DEFAULT_MAX_LENGTH;
  // The first maxValues distinct values win and stay for the life of the process: a stable set is
  // what keeps a series from appearing and vanishing as traffic shifts.
  const seen = new Set<string>();

  const fold = (reason: FoldReason, marker: string): string => {
    onFold(key, reason);
    return marker;
  };

  const read = (job: Job): string => {
    let raw: unknown;
    try {
      raw = readRaw(job);
    } catch (error) {
      reporter.report(
        `label:${key}:from`,
        `reading label '${key}' threw; recording '${LABEL_MARKERS.error}'`,
        error,
      );
      return fold(FOLD_REASONS.error, LABEL_MARKERS.error);
    }
    if (raw === undefined || raw === null) return LABEL_MARKERS.missing;
    if (!isScalar(raw)) return fold(FOLD_REASONS.invalid, LABEL_MARKERS.invalid);
    if (normalize) {
      try {
        raw = normalize(raw);
      } catch (error) {
        reporter.report(
          `label:${key}:normalize`,
          `normalising label '${key}' threw; recording '${LABEL_MARKERS.error}'`,
          error,
        );
        return fold(FOLD_REASONS.error, LABEL_MARKERS.error);
      }
      if (raw === undefined || raw === null) return LABEL_MARKERS.missing;
      if (!isScalar(raw)) return fold(FOLD_REASONS.invalid, LABEL_MARKERS.invalid);
    }
    const value = typeof raw === 'string' ? raw : String(raw);
    if (value.length === 0 || value.length > maxLength)
      return fold(FOLD_REASONS.invalid, LABEL_MARKERS.invalid);
    if (allowed) return allowed.has(value) ? value : fold(FOLD_REASONS.other, LABEL_MARKERS.other);
    if (seen.has(value)) return value;
    if (seen.size < maxValues) {
      seen.add(value);
      return value;
    }
    return fold(FOLD_REASONS.overflow, LABEL_MARKERS.overflow);
  };

  return { key, read };
}

function isScalar(value: unknown): value is LabelScalar {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    default:
      return false;
  }
}
