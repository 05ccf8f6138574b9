import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Config } from './config.js';
import { SHIPPED_RULES } from './prometheus.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

function scaled(duration: string, divisor: number): string {
  const match = /^(\d+)([smh])$/.exec(duration);
  if (!match) throw new Error(`a duration the test cannot scale: ${duration}`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  // Never below a second, and a zero stays zero.
  return `${seconds === 0 ? 0 : Math.max(1, Math.round(seconds / divisor))}s`;
}

/**
 * The shipped alert rules with every duration divided by `divisor`: each rule's `for` and each range
 * window of its expression (`[5m]`). Only timing changes: thresholds, labels and routing stay as
 * shipped, so a rule that fires here fires in production, `divisor` times later.
 */
export function rulesWithTimeScaled(divisor: number): Config {
  const rules = parse(readFileSync(SHIPPED_RULES, 'utf8')) as { groups: { rules: Config[] }[] };
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      rule.expr = (rule.expr as string).replace(
        /\[(\d+[smh])\]/g,
        (_, d: string) => `[${scaled(d, divisor)}]`,
      );
      if (rule.for !== undefined) rule.for = scaled(rule.for as string, divisor);
    }
  }
  return rules;
}
