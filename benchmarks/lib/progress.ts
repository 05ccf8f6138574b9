/**
 * A one-line progress display on stderr, so stdout stays free for results. On a terminal the line
 * is rewritten in place; in a CI log a line is written when the step's heading (the text before a
 * colon) changes, or every 15 seconds, so the log shows progress without a line per trial.
 */
export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  readonly #startedAt = performance.now();
  #lastHeading = '';
  #lastWrittenAt = 0;

  constructor(readonly title: string) {}

  update(step: string, done?: number, total?: number): void {
    const now = performance.now();
    const elapsed = ((now - this.#startedAt) / 1000).toFixed(0);
    const share = done !== undefined && total ? ` ${Math.round((done / total) * 100)}%` : '';
    const line = `[${this.title}${share} ${elapsed}s] ${step}`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      return;
    }
    const heading = step.split(':')[0]!;
    if (heading !== this.#lastHeading || now - this.#lastWrittenAt > 15_000) {
      process.stderr.write(`${line}\n`);
      this.#lastHeading = heading;
      this.#lastWrittenAt = now;
    }
  }

  done(message: string): void {
    if (this.#tty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`[${this.title}] ${message}\n`);
  }
}
