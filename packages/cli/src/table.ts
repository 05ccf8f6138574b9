import type { HealthSnapshot, QueueSummary } from '@queuetel/health';

const STATES = ['ready', 'deferred', 'retry', 'blocked', 'active', 'failed'] as const;

/** The status table: one line per queue, then why each unhealthy or degraded one is so. */
export function statusTable(snapshot: HealthSnapshot, summaries: readonly QueueSummary[]): string {
  if (snapshot.queues.length === 0) return 'No queues found.\n';
  const header = [
    'QUEUE',
    'WHERE',
    'STATUS',
    ...STATES.map((s) => s.toUpperCase()),
    'DEAD',
    'OLDEST',
    'WORKERS',
    'COUNTED',
  ];
  const whereOf = (queue: { system: string; schema: string }) =>
    queue.system === 'pgmq' ? 'pgmq' : `pg-boss:${queue.schema}`;
  const rows = snapshot.queues.map((queue, i) => {
    const summary = summaries[i]!;
    const counted = Object.keys(queue.jobs).length > 0;
    const countsAge = (snapshot.takenAt.getTime() - queue.countedAt.getTime()) / 1000;
    return [
      queue.name,
      whereOf(queue),
      summary.status,
      ...STATES.map((state) => String(queue.jobs[state] ?? '-')),
      queue.deadLetter ? String(queue.deadLetter.jobs) : '-',
      counted ? duration(queue.oldestAgeSeconds) : '-',
      summary.live_workers === null ? '-' : String(summary.live_workers),
      !counted ? '-' : countsAge < 1 ? 'now' : `${duration(countsAge)} ago`,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  // A name that several schemas (or pg-boss and pgmq) share is told apart by where it lives.
  const shared = new Set(
    summaries.filter((s, i) => summaries.findIndex((t) => t.name === s.name) !== i).map((s) => s.name),
  );
  const reasons = summaries.flatMap((summary) => {
    const name = shared.has(summary.name) ? `${summary.name} in ${whereOf(summary)}` : summary.name;
    return summary.reasons.map((reason) => `  ${name} (${summary.status}): ${reason}`);
  });
  return [line(header), ...rows.map(line), ...(reasons.length > 0 ? ['', ...reasons] : []), ''].join('\n');
}

/** A few words on what was read and what it cost. */
export function statusFooter(snapshot: HealthSnapshot): string {
  const sources = snapshot.sources.map((source) =>
    source.system === 'pgmq'
      ? 'pgmq'
      : `pg-boss schema ${source.schema}${source.version === undefined ? '' : ` (v${source.version})`}, ${source.method}`,
  );
  return (
    `Read ${snapshot.queues.length} queue(s) from ${sources.join('; ') || 'no queue system'} ` +
    `in ${(snapshot.durationSeconds * 1000).toFixed(1)} ms ` +
    `(one round trip: ${(snapshot.roundTripSeconds * 1000).toFixed(1)} ms).\n`
  );
}

/** Seconds as a person reads them: 42s, 5m03s, 2h10m, 3d04h. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}
