import { describe, expect, it } from 'vitest';
import { queueIdentityProblems } from './queue-identity.js';
import { alertQueries, dashboardQueries } from './queries.js';

describe('queues in the dashboard and alert rules', () => {
  it("are told apart by system, schema and name wherever a grouping keeps a queue's name", () => {
    const { checked, problems } = queueIdentityProblems([...dashboardQueries(), ...alertQueries()]);
    expect(problems).toEqual([]);
    // Four panels, four rules, and the two sides of the no-workers match.
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('catches a grouping or a match that would merge the queues of two schemas', () => {
    const { problems } = queueIdentityProblems([
      {
        source: 'ok',
        expr: 'max by (messaging_system, queuetel_queue_schema, messaging_destination_name) (queuetel_queue_oldest_age_seconds)',
      },
      {
        source: 'job metrics have no schema',
        expr: 'sum by (messaging_destination_name) (rate(queuetel_job_attempts_total[1m]))',
      },
      { source: 'whole-fleet sum', expr: 'sum(queuetel_queue_jobs)' },
      {
        source: 'by name',
        expr: 'sum by (messaging_system, messaging_destination_name) (queuetel_queue_jobs)',
      },
      {
        source: 'match by name',
        expr:
          'max by (messaging_system, queuetel_queue_schema, messaging_destination_name) (queuetel_queue_jobs) ' +
          'unless on (messaging_system, messaging_destination_name) queuetel_workers_live',
      },
    ]);
    expect(problems).toEqual([
      'by name: by (messaging_system, messaging_destination_name) keeps the queue name but not queuetel_queue_schema',
      'match by name: on (messaging_system, messaging_destination_name) keeps the queue name but not queuetel_queue_schema',
    ]);
  });
});
