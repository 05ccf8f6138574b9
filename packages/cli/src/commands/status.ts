import { readQueueHealth, summarizeQueues } from '@queuetel/health';
import { parse, readOptionsOf, READ_FLAGS, thresholdsOf } from '../args.js';
import { EXIT_CODES } from '../exit-codes.js';
import { HELP } from '../help.js';
import type { CliIo } from '../io.js';
import { statusFooter, statusTable } from '../table.js';

/** `queuetel status`: every queue's health, once. Exits 1 when a queue is unhealthy. */
export async function status(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parse('status', argv, { ...READ_FLAGS, json: { type: 'boolean' } });
  if (values.help) {
    io.stdout.write(HELP.status);
    return EXIT_CODES.ok;
  }
  const options = readOptionsOf('status', values, io.env);
  const thresholds = thresholdsOf('status', values.thresholds);
  const snapshot = await readQueueHealth(options);
  const summaries = summarizeQueues(snapshot, thresholds);
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ taken_at: snapshot.takenAt.toISOString(), queues: summaries }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(statusTable(snapshot, summaries));
    io.stdout.write(statusFooter(snapshot));
  }
  return summaries.some((summary) => summary.status === 'unhealthy') ? EXIT_CODES.unhealthy : EXIT_CODES.ok;
}
