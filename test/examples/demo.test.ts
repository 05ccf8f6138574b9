import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript } from './run.js';

const DEMO = 'examples/demo/main.ts';

/** Processes whose command line mentions `text`, this test's own pgrep aside. */
function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('npm run demo', () => {
  // The demo's throwaway PostgreSQL keeps its data under the temp dir; a temp dir of this test's
  // own tells its server apart from every other one on the machine.
  const tmp = mkdtempSync(join(tmpdir(), 'queuetel-demo-test-'));
  chmodSync(tmp, 0o777); // the server drops root for a user that must reach its files
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const env = { ...process.env, TMPDIR: tmp, DATABASE_URL: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' };

  it('runs for its duration, prints plain lines off a terminal, and ends with counts matching the database', async () => {
    const run = await runScript(DEMO, ['--duration', '8', '--rate', '20', '--port', '0'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Plain periodic lines, one per worked queue, from the metrics and the collector.
    expect(run.stdout).toMatch(/\[\d+s\] pg-boss demo_webhooks: depth \d+, [\d.]+ jobs\/s/);
    expect(run.stdout).toMatch(/\[\d+s\] pgmq demo_webhooks: depth \d+, [\d.]+ jobs\/s/);
    expect(run.stdout).not.toContain('\x1b[');
    const summary = run.stdout.slice(run.stdout.indexOf('Summary:'));
    expect(summary).toMatch(/pg-boss demo_webhooks\s+(\d+) \/ \1 ok\s+(\d+) \/ \2 ok\s+(\d+) \/ \3 ok/);
    expect(summary).toMatch(/pgmq demo_webhooks\s+(\d+) \/ \1 ok\s+(\d+) \/ \2 ok\s+(\d+) \/ \3 ok/);
    expect(summary).not.toContain('MISMATCH');
    expect(summary).toContain('Every count matches the database.');
    const sent = [...summary.matchAll(/demo_webhooks\s+(\d+) \//g)].map((m) => Number(m[1]));
    expect(sent.every((n) => n > 20)).toBe(true);
    expect(processesMentioning(tmp)).toEqual([]);
  });

  it('says in one line what to do when the port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const run = await runScript(DEMO, ['--duration', '5', '--port', String(port)], env);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([
        `Port ${port} for the /health endpoint is not free: pass --port <another port>, or --port 0 for any free one.`,
      ]);
    } finally {
      holder.close();
    }
  });

  it('says in one line what to do when DATABASE_URL cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
    const url = `postgres://demo:secret@127.0.0.1:${port}/postgres`;
    const run = await runScript(DEMO, ['--duration', '5', '--port', '0'], { ...env, DATABASE_URL: url });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Cannot reach DATABASE_URL \(postgres:\/\/demo:\*+@127\.0\.0\.1:\d+\/postgres\): .*unset DATABASE_URL/,
    );
    expect(lines[0]).not.toContain('secret');
  });

  it('refuses a bad option, naming it', async () => {
    const run = await runScript(DEMO, ['--rate', 'fast'], env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe("--rate must be a number from 0.1 to 1000, got 'fast'");
  });
});
