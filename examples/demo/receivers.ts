/**
 * The far side of the webhooks: one local HTTP server standing in for the endpoints the projects
 * registered, each with a character of its own (fast and healthy, slow, flaky, gone), so that the
 * workers meet the latencies and answers real webhook delivery meets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How one registered endpoint behaves. */
interface Behaviour {
  /** Milliseconds to answer in: a range, drawn uniformly. */
  readonly latencyMs: readonly [number, number];
  /** Share of requests answered 5xx (a transient failure: a retry may succeed). */
  readonly serverErrors: number;
  /** Share of requests never answered in time. */
  readonly hangs: number;
  /** Answers every request with this status: the endpoint is gone (4xx: no retry will help). */
  readonly gone?: number;
}

/** The endpoints of the demo's projects, as `project/endpoint`, with how often each is picked. */
export const ENDPOINTS: Readonly<Record<string, Behaviour & { readonly weight: number }>> = {
  'acme/orders': { weight: 5, latencyMs: [5, 40], serverErrors: 0.01, hangs: 0 },
  'acme/invoices': { weight: 2, latencyMs: [20, 120], serverErrors: 0.03, hangs: 0 },
  'globex/billing': { weight: 3, latencyMs: [150, 600], serverErrors: 0.05, hangs: 0.02 },
  'initech/crm': { weight: 2, latencyMs: [10, 80], serverErrors: 0.35, hangs: 0.05 },
  'umbrella/legacy': { weight: 1, latencyMs: [5, 20], serverErrors: 0, hangs: 0, gone: 410 },
};

/** Milliseconds a worker waits for an answer before it gives up on the attempt. */
export const DELIVERY_TIMEOUT_MS = 1500;

export interface Receivers {
  /** Base URL; a delivery posts to `${url}/hooks/<project>/<endpoint>`. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startReceivers(): Promise<Receivers> {
  const server: Server = createServer((request, response) => {
    request.resume();
    const behaviour = ENDPOINTS[(request.url ?? '').replace(/^\/hooks\//, '')];
    if (!behaviour) return void response.writeHead(404).end();
    if (behaviour.gone) return void response.writeHead(behaviour.gone).end();
    const roll = Math.random();
    // A hung endpoint answers long after the worker stopped waiting.
    const [low, high] = behaviour.latencyMs;
    const delay = roll < behaviour.hangs ? DELIVERY_TIMEOUT_MS * 3 : low + Math.random() * (high - low);
    const status =
      roll > 1 - behaviour.serverErrors ? (roll > 1 - behaviour.serverErrors / 2 ? 503 : 500) : 200;
    const timer = setTimeout(() => response.writeHead(status).end(), delay);
    response.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Picks the endpoint of the next delivery, by weight. */
export function pickEndpoint(): { project: string; endpoint: string } {
  const entries = Object.entries(ENDPOINTS);
  let ticket = Math.random() * entries.reduce((sum, [, b]) => sum + b.weight, 0);
  for (const [key, behaviour] of entries) {
    ticket -= behaviour.weight;
    if (ticket <= 0) return split(key);
  }
  return split(entries[0]![0]);
}

function split(key: string): { project: string; endpoint: string } {
  const [project = '', endpoint = ''] = key.split('/');
  return { project, endpoint };
}
