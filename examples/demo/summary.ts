/**
 * The closing summary: what the SDK's job metrics say each queue did, beside what the database
 * holds, so that a reader can see the telemetry tell the truth.
 */
import pg from 'pg';
import {
  ATTR_JOB_OUTCOME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  JOB_OUTCOMES,
  INSTRUMENTS,
} from '@queuetel/core';
import { DEAD_LETTER_QUEUE, DEMO_SCHEMA, QUEUE } from './database.js';
import type { Point } from './points.js';

interface Counts {
  readonly completed: number;
  readonly deadLettered: number;
}

interface SystemSummary {
  readonly system: 'pg-boss' | 'pgmq';
  readonly sent: number;
  readonly metrics: Counts & { readonly attempts: number; readonly retried: number };
  readonly database: Counts & { readonly total: number; readonly stillQueued: number };
}

export async function summarize(
  url: string,
  points: readonly Point[],
  sent: { pgBoss: number; pgmq: number },
): Promise<{ text: string; matches: boolean }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let systems: SystemSummary[];
  try {
    systems = [
      {
        system: 'pg-boss',
        sent: sent.pgBoss,
        metrics: fromMetrics(points, 'pg-boss'),
        database: await pgBossCounts(client),
      },
      {
        system: 'pgmq',
        sent: sent.pgmq,
        metrics: fromMetrics(points, 'pgmq'),
        database: await pgmqCounts(client),
      },
    ];
  } finally {
    await client.end();
  }
  const check = (a: number, b: number) => `${a} / ${b} ${a === b ? 'ok' : 'MISMATCH'}`;
  const rows = systems.map((s) => ({
    queue: `${s.system} ${QUEUE}`,
    'sent / in DB': check(s.sent, s.database.total),
    'completed: metrics / DB': check(s.metrics.completed, s.database.completed),
    'dead-lettered: metrics / DB': check(s.metrics.deadLettered, s.database.deadLettered),
    attempts: s.metrics.attempts,
    retried: s.metrics.retried,
    queued: s.database.stillQueued,
  }));
  const matches = systems.every(
    (s) =>
      s.sent === s.database.total &&
      s.metrics.completed === s.database.completed &&
      s.metrics.deadLettered === s.database.deadLettered,
  );
  const columns = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const text = [
    'Summary: the job metrics the SDK recorded, checked against the rows in the database',
    line(columns),
    ...rows.map((r) => line(columns.map((c) => String(r[c])))),
    matches
      ? 'Every count matches the database.'
      : 'Some counts do not match the database (marked MISMATCH above).',
  ].join('\n');
  return { text, matches };
}

function fromMetrics(points: readonly Point[], system: string): SystemSummary['metrics'] {
  const byOutcome: Record<string, number> = {};
  let attempts = 0;
  for (const point of points) {
    if (point.name !== INSTRUMENTS.jobOutcomes.name) continue;
    if (point.attributes[ATTR_MESSAGING_SYSTEM] !== system) continue;
    if (point.attributes[ATTR_MESSAGING_DESTINATION_NAME] !== QUEUE) continue;
    const outcome = String(point.attributes[ATTR_JOB_OUTCOME]);
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + point.value;
    attempts += point.value;
  }
  return {
    attempts,
    completed: byOutcome[JOB_OUTCOMES.completed] ?? 0,
    retried: byOutcome[JOB_OUTCOMES.retried] ?? 0,
    deadLettered: byOutcome[JOB_OUTCOMES.dead_lettered] ?? 0,
  };
}

/** pg-boss keeps every job in its job table: completed ones, and failed ones beside their dead-letter copy. */
async function pgBossCounts(client: pg.Client): Promise<SystemSummary['database']> {
  const { rows } = await client.query<{ name: string; state: string; n: number }>(
    `SELECT name, state, count(*)::int AS n FROM ${DEMO_SCHEMA}.job WHERE name IN ($1, $2) GROUP BY name, state`,
    [QUEUE, DEAD_LETTER_QUEUE],
  );
  const sum = (keep: (row: { name: string; state: string }) => boolean) =>
    rows.filter(keep).reduce((total, row) => total + row.n, 0);
  return {
    total: sum((row) => row.name === QUEUE),
    completed: sum((row) => row.name === QUEUE && row.state === 'completed'),
    deadLettered: sum((row) => row.name === DEAD_LETTER_QUEUE),
    stillQueued: sum(
      (row) => row.name === QUEUE && !['completed', 'failed', 'cancelled'].includes(row.state),
    ),
  };
}

/** pgmq archives a completed message and moves a dead one to the dead-letter queue. */
async function pgmqCounts(client: pg.Client): Promise<SystemSummary['database']> {
  const { rows } = await client.query<{ queued: number; archived: number; dead: number }>(
    `SELECT (SELECT count(*) FROM pgmq.q_${QUEUE})::int AS queued,
            (SELECT count(*) FROM pgmq.a_${QUEUE})::int AS archived,
            (SELECT count(*) FROM pgmq.q_${DEAD_LETTER_QUEUE})::int AS dead`,
  );
  const row = rows[0]!;
  return {
    total: row.queued + row.archived + row.dead,
    completed: row.archived,
    deadLettered: row.dead,
    stillQueued: row.queued,
  };
}
