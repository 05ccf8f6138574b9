import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { REPO_ROOT } from '../../../scripts/stack/components.js';
import { alertQueries, dashboardQueries, type Query } from '../../collector/queries.js';

/**
 * The PromQL of docs/runbook.md's `promql` blocks, one query a line, for queue `queue`: the runbook
 * writes the queue as "q".
 */
export function runbookQueries(queue: string): Query[] {
  const runbook = readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
  const queries: Query[] = [];
  for (const block of runbook.matchAll(/```promql\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const expr = line.trim();
      if (expr === '' || expr.startsWith('#')) continue;
      queries.push({ source: 'docs/runbook.md', expr: expr.replaceAll('="q"', `="${queue}"`) });
    }
  }
  return queries;
}

/** Every query the dashboard, the alert rules and the runbook run. */
export function everyQuery(queue: string): Query[] {
  return [...dashboardQueries(), ...alertQueries(), ...runbookQueries(queue)];
}

/** The vector selectors of an expression, as written (metric name and matchers). */
export function selectors(expr: string): string[] {
  const found: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === 'VectorSelector') {
        found.push(expr.slice(node.from, node.to));
        return false;
      }
      return undefined;
    },
  });
  return found;
}
