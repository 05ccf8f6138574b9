import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from '../../harness/pg-boss.js';

// Ports handed out already: the kernel may offer a port again once it is closed, before the
// program it was picked for has bound it.
const handedOut = new Set<number>();

/** A free TCP port on loopback, chosen by the kernel, and never the same one twice in a run. */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/**
 * Runs `start`, which picks ports with freePort() and starts a program on them, once more with new
 * ports when the program finds one taken: a port is free when it is picked, and any process on the
 * machine (an outgoing connection's local port included) may take it before the program binds it.
 */
export async function onFreePorts<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const clash = /address already in use/.test((error as Error).message);
      if (!clash || attempt >= attempts) throw error;
    }
  }
}

/** Loopback `host:port` on a free port. */
export async function freeAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

/** A program of the stack, running as a child process of the test. */
export interface StackProcess {
  readonly name: string;
  readonly pid: number;
  /** What it printed so far (stdout and stderr, the last 256 KB). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const KEEP_OUTPUT = 256 * 1024;

/**
 * Starts a program and waits until `ready` passes (it throws until then). If the program exits
 * first, or is not ready in time, the error carries what it printed.
 */
export async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  ready: (started: StackProcess) => Promise<unknown>,
  options: { env?: NodeJS.ProcessEnv; cwd?: string; readyTimeoutMs?: number } = {},
): Promise<StackProcess> {
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > KEEP_OUTPUT) output = output.slice(-KEEP_OUTPUT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      resolve();
    }),
  );
  child.once('error', (error) => {
    exited = `could not start: ${error.message}`;
  });

  const running: StackProcess = {
    name,
    pid: child.pid ?? -1,
    output: () => output,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
  try {
    await eventually(async () => {
      if (exited !== undefined) throw new Error(`${name} ${exited}`);
      await ready(running);
    }, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await running.stop();
    throw new Error(
      `${name} (${command}) did not become ready: ${(error as Error).message}\n--- its output ---\n${output.slice(-4000)}`,
      { cause: error },
    );
  }
  return running;
}

/** Resolves when `url` answers with a 2xx status; throws otherwise. */
export async function httpOk(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
}
