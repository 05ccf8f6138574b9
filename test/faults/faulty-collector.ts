import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the collector behaves: accepts, refuses connections, hangs, or answers 500 or 429. */
export type CollectorFault = 'accept' | 'refuse' | 'hang' | '500' | '429';

/**
 * An OTLP/HTTP endpoint on a port that stays the same while its behaviour changes, so one SDK can
 * be taken through every fault in turn. `refuse` closes the listener, so connections are refused.
 */
export interface FaultyCollector {
  readonly endpoint: string;
  /** Export requests answered 200 since the collector started. */
  readonly accepted: number;
  set(fault: CollectorFault): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultyCollector(): Promise<FaultyCollector> {
  let fault: CollectorFault = 'accept';
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (fault === 'hang') return;
      if (fault === '500') response.writeHead(500).end();
      else if (fault === '429') response.writeHead(429, { 'retry-after': '1' }).end();
      else {
        accepted++;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const listening = () => server.listening;
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    async set(next) {
      fault = next;
      if (next === 'refuse' && listening()) await stopListening();
      if (next !== 'refuse' && !listening()) {
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      }
      // A hanging request from before must not hold a later phase up.
      if (next !== 'hang') for (const socket of sockets) socket.destroy();
    },
    async close() {
      if (listening()) await stopListening();
    },
  };
}
