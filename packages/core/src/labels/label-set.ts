import type { OnceReporter } from '../safe.js';
import type { LabelDefinitions } from '../types.js';
import { createLabelGuard, type FoldListener, type LabelGuard } from './label-guard.js';

/**
 * The user's label keys, fixed at construction, and a guard for each. Reading a job gives one
 * bounded value per key, in key order.
 */
export class LabelSet<Job> {
  readonly keys: readonly string[];
  readonly #guards: readonly LabelGuard<Job>[];

  constructor(definitions: LabelDefinitions<Job>, onFold: FoldListener, reporter: OnceReporter) {
    this.keys = Object.freeze(Object.keys(definitions));
    this.#guards = this.keys.map((key) => createLabelGuard(key, definitions[key]!, onFold, reporter));
  }

  get size(): number {
    return this.keys.length;
  }

  /** One bounded value per key. Never throws. */
  read(job: Job): string[] {
    const guards = this.#guards;
    const values = new Array<string>(guards.length);
    for (let i = 0; i < guards.length; i++) values[i] = guards[i]!.read(job);
    return values;
  }
}
