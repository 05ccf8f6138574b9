import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/signal-child.ts', import.meta.url));

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
}

/** Starts the child, sends it `signal` once it is ready, and waits for it to end. */
function runUntilSignal(receiver: OtlpReceiver, signal: NodeJS.Signals, env: Record<string, string> = {}) {
  return new Promise<Exit>((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', child], {
      cwd: root,
      env: { ...process.env, RECEIVER_ENDPOINT: receiver.endpoint, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready') && !process_.killed) process_.kill(signal);
    });
    process_.on('error', reject);
    process_.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal, stdout }));
  });
}

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await receiver.close();
});

describe('flushOnSignals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'flushes spans and metrics on %s, then ends the process by that signal',
    async (signal) => {
      const exit = await runUntilSignal(receiver, signal);
      expect(exit.signal).toBe(signal);
      expect(receiver.spans().map((s) => s.name)).toContain('work before the signal');
      expect(receiver.metrics().map((m) => m.name)).toContain('signal_child.jobs');
    },
  );

  it("flushes and leaves ending the process to the application's own handler", async () => {
    const exit = await runUntilSignal(receiver, 'SIGTERM', { APP_HANDLER: '1' });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('app handler finished');
    expect(receiver.spans().map((s) => s.name)).toContain('work before the signal');
    expect(receiver.metrics().map((m) => m.name)).toContain('signal_child.jobs');
  });
});
