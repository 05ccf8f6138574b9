/** Draws the live view: a screen for a terminal, or one plain line per queue otherwise. */
import type { HealthReport, QueueSummary } from '@queuetel/health';
import type { QueueRow } from './live-stats.js';

export interface Frame {
  readonly rows: readonly QueueRow[];
  readonly health: HealthReport | undefined;
  readonly healthUrl: string;
  readonly elapsedSeconds: number;
  readonly rate: number;
  readonly durationSeconds: number | undefined;
  readonly stopping: boolean;
}

const BLOCKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  const max = Math.max(...shown, 0);
  const line = shown.map((v) => (max > 0 ? BLOCKS[Math.min(7, Math.floor((v / max) * 7.999))]! : BLOCKS[0]!));
  return line.join('').padStart(width, ' ');
}

function bar(share: number, width: number): string {
  const filled = Math.round(share * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const COLOUR = { healthy: '\x1b[32m', degraded: '\x1b[33m', unhealthy: '\x1b[31m' } as const;
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export function seconds(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value === Infinity) return '> 10 s';
  return value < 1 ? `≤${Math.round(value * 1000)} ms` : `≤${value} s`;
}

const percent = (share: number | undefined) => (share === undefined ? '-' : `${(share * 100).toFixed(0)}%`);
const count = (value: number | undefined) => (value === undefined ? '-' : String(value));

function summaryOf(health: HealthReport | undefined, row: QueueRow): QueueSummary | undefined {
  return health?.queues.find((queue) => queue.system === row.system && queue.name === row.name);
}

function clock(frame: Frame): string {
  const mmss = (s: number) =>
    `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return frame.durationSeconds === undefined
    ? `${mmss(frame.elapsedSeconds)} · Ctrl-C stops`
    : `${mmss(frame.elapsedSeconds)} of ${mmss(frame.durationSeconds)} · Ctrl-C stops sooner`;
}

/** The whole screen, for a terminal: cursor home, then the view, each line cleared to its end. */
export function renderScreen(frame: Frame): string {
  const lines: string[] = [];
  const status = frame.health?.status;
  lines.push(
    `queuetel demo · webhook delivery on pg-boss and pgmq · ${frame.rate} jobs/s · ${clock(frame)}` +
      (frame.stopping ? ' · stopping: finishing what is in flight' : ''),
  );
  lines.push(
    `${DIM}every figure below is read from the SDK's metrics (a reader in this process) and the queue-health collector${RESET}`,
  );
  lines.push(
    `GET ${frame.healthUrl}/health → ${status ? `${COLOUR[status]}${status}${RESET}` : 'waiting for the first collection'}`,
  );
  lines.push('');
  for (const row of frame.rows) {
    const summary = summaryOf(frame.health, row);
    const tone = summary ? COLOUR[summary.status] : '';
    lines.push(
      `${tone}■${RESET} ${row.system} ${row.name}` +
        `   health ${summary ? `${tone}${summary.status}${RESET}` : '-'}` +
        `   live workers ${count(row.liveWorkers)}   active ${count(row.active)}`,
    );
    lines.push(
      `  depth   ${count(row.depth).padStart(6)}  ${sparkline(row.depthHistory, 40)}   oldest waiting ${row.oldestAgeSeconds === undefined ? '-' : `${row.oldestAgeSeconds.toFixed(1)} s`}`,
    );
    lines.push(
      `  jobs/s  ${row.jobsPerSecond.toFixed(1).padStart(6)}  ${sparkline(row.rateHistory, 40)}   errors ${percent(row.errorRate)} of attempts (last 10 s)`,
    );
    lines.push(
      `  p95 wait ${seconds(row.p95WaitSeconds).padEnd(9)} p95 processing ${seconds(row.p95ProcessSeconds).padEnd(9)}` +
        ` completed ${row.outcomes.completed ?? 0}  retried ${row.outcomes.retried ?? 0}` +
        `  dead-lettered ${row.outcomes.dead_lettered ?? 0}` +
        (row.deadLetterDepth === undefined ? '' : ` (${row.deadLetterDepth} in its dead-letter queue)`),
    );
    for (const label of row.topLabels) {
      lines.push(
        `  ${label.key.padEnd(9)}` +
          label.values.map(([value, share]) => `${value} ${bar(share, 8)} ${percent(share)}`).join('   '),
      );
    }
    if (row.errorTypes.length > 0) {
      lines.push(
        `  errors   ${row.errorTypes.map(([type, share]) => `${type} ${percent(share)}`).join('  ')}`,
      );
    }
    for (const reason of summary?.reasons ?? []) lines.push(`  ${tone}! ${reason}${RESET}`);
    lines.push('');
  }
  const shown = new Set(frame.rows.map((row) => `${row.system} ${row.name}`));
  for (const queue of frame.health?.queues ?? []) {
    if (shown.has(`${queue.system} ${queue.name}`) || queue.reasons.length === 0) continue;
    lines.push(
      `${COLOUR[queue.status]}■${RESET} ${queue.system} ${queue.name}: ${queue.status}, ${queue.reasons.join('; ')}`,
    );
  }
  for (const reason of frame.health?.collector.reasons ?? []) lines.push(`collector: ${reason}`);
  return `\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`;
}

/** One line per queue, for a log or a pipe. */
export function renderLines(frame: Frame): string {
  return frame.rows
    .map((row) => {
      const summary = summaryOf(frame.health, row);
      return (
        `[${Math.round(frame.elapsedSeconds)}s] ${row.system} ${row.name}: depth ${count(row.depth)}, ` +
        `${row.jobsPerSecond.toFixed(1)} jobs/s, errors ${percent(row.errorRate)}, ` +
        `p95 wait ${seconds(row.p95WaitSeconds)}, p95 processing ${seconds(row.p95ProcessSeconds)}, ` +
        `retried ${row.outcomes.retried ?? 0}, dead-lettered ${row.outcomes.dead_lettered ?? 0}, ` +
        `workers ${count(row.liveWorkers)}, health ${summary?.status ?? '-'}` +
        (summary?.reasons.length ? ` (${summary.reasons.join('; ')})` : '')
      );
    })
    .join('\n');
}
