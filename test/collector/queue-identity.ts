import { groupings } from './promql.js';
import type { Query } from './queries.js';

/**
 * The labels that together name one queue of the queue-health gauges: two pg-boss schemas may each
 * hold a queue of the same name, and pgmq may hold a third.
 */
export const QUEUE_IDENTITY = ['messaging_system', 'queuetel_queue_schema', 'messaging_destination_name'];

/**
 * The Lane A gauges, which carry the schema (the job metrics of Lane B do not). The shadow
 * comparison's count of ended jobs is left out: it is held against the job metrics, so it is summed
 * over schemas on purpose (docs/queue-health.md, "Shadow comparison").
 */
const QUEUE_GAUGE = /^queuetel_(queue|workers)_(?!ended_)/;

/** Groupings of the queue gauges that keep a queue's name, each with what it would merge. */
export function queueIdentityProblems(queries: readonly Query[]): { checked: number; problems: string[] } {
  let checked = 0;
  const problems: string[] = [];
  for (const query of queries) {
    for (const grouping of groupings(query.expr)) {
      if (!grouping.metrics.some((metric) => QUEUE_GAUGE.test(metric))) continue;
      if (!grouping.labels.includes('messaging_destination_name')) continue;
      checked++;
      const missing = QUEUE_IDENTITY.filter((label) => !grouping.labels.includes(label));
      if (missing.length > 0) {
        problems.push(
          `${query.source}: ${grouping.kind} (${grouping.labels.join(', ')}) keeps the queue name but not ${missing.join(', ')}`,
        );
      }
    }
  }
  return { checked, problems };
}
