import type { IncomingMessage, ServerResponse } from 'node:http';
import { QueuetelConfigError } from '@queuetel/core';
import { OnceReporter, expectKnownKeys, typeName } from '@queuetel/core/internal';
import type { QueueHealth } from '../collector/collector.js';
import { healthReport, queueStats, unreachableReport } from './report.js';
import { createAccess, type QueueLabels, type ScopedToken } from './scopes.js';
import { checkThresholds, type HealthThresholds } from './status.js';
import { requestTargetOf } from './target.js';

/** Options of {@link createHealthHandler}. */
export interface HealthHandlerOptions {
  /**
   * A token that sees every queue. When it or {@link scopedTokens} is set, every request must carry
   * `Authorization: Bearer <token>` with one of them, or gets 401.
   */
  token?: string;
  /**
   * Tokens that each see only some queues, by name or by label: `/health` lists only those, and
   * `/queues/{name}` answers 404 for any other, as for a queue that does not exist.
   */
  scopedTokens?: readonly ScopedToken[];
  /** The labels of queues, such as `{ 'acme-*': { project: 'acme' } }`, for tokens scoped by label. */
  queueLabels?: QueueLabels;
  /** The limits queues and the collector are judged by. */
  thresholds?: HealthThresholds;
  /** Where the routes are mounted, such as `/queuetel`. Default: the root. */
  basePath?: string;
}

/**
 * A request handler for Node's `http` server, or Connect/Express middleware:
 * `http.createServer(handler)`, or `app.use(handler)`. It answers `GET {basePath}/health` and
 * `GET {basePath}/queues/{name}`; any other path goes to `next` when there is one, else gets 404.
 */
export type HealthHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The health and stats endpoint over a running collector. `/health` returns 503 when anything is
 * unhealthy, so it can serve as a readiness probe. Responses hold counts and ages, never a job's
 * payload: the collector never reads one.
 */
export function createHealthHandler(health: QueueHealth, options: HealthHandlerOptions = {}): HealthHandler {
  const { basePath } = checkOptions(options);
  const access = createAccess(options);
  const thresholds = checkThresholds(options.thresholds);

  const answer = (request: IncomingMessage, response: ServerResponse): Passed | void => {
    const target = requestTargetOf(request.url);
    if (!target) return 'not a path';
    const route = routeOf(target.pathname, basePath);
    if (!route) return 'not ours';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, { error: 'method not allowed' });
      return;
    }
    const scope = access.scopeOf(request);
    if (!scope) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="queuetel"');
      send(response, 401, { error: 'a bearer token is required' });
      return;
    }
    if (route.kind === 'malformed') {
      send(response, 400, { error: 'the queue name in the path is not valid percent-encoding' });
      return;
    }
    health
      .read()
      .then(
        (snapshot) => {
          const now = new Date();
          if (route.kind === 'health') {
            const report = healthReport(snapshot, health.state(), thresholds, now, scope);
            send(response, report.status === 'unhealthy' ? 503 : 200, report);
            return;
          }
          const system = target.query.get('system');
          const schema = target.query.get('schema');
          const matches = snapshot.queues.filter(
            (q) =>
              q.name === route.queue &&
              scope.seesQueue(q.name) &&
              (!system || q.system === system) &&
              (!schema || q.schema === schema),
          );
          if (matches.length === 0) {
            send(response, 404, { error: `queue '${route.queue}' was not found` });
          } else if (matches.length > 1) {
            send(response, 409, {
              error: `queue '${route.queue}' exists in several places: add ?schema= to pick one`,
              matches: matches.map((q) => ({ system: q.system, schema: q.schema })),
            });
          } else {
            send(response, 200, queueStats(matches[0]!, snapshot, thresholds));
          }
        },
        (error: unknown) => {
          send(response, 503, unreachableReport(health.state(), error, new Date(), scope));
        },
      )
      .catch((error: unknown) => answerFailed(response, error));
  };

  // Nothing a client sends may throw out of the listener: Node ends the process on an exception
  // thrown from a 'request' event. A failure of our own answers 500 and is reported once.
  return (request, response, next) => {
    let passed: Passed | void;
    try {
      passed = answer(request, response);
    } catch (error) {
      answerFailed(response, error);
      return;
    }
    if (passed === undefined) return;
    // Middleware leaves what it does not serve to the application, which may read `*` or an
    // absolute-form target its own way.
    if (next) next();
    else if (passed === 'not a path') {
      send(response, 400, { error: 'the request target must be a path such as /health' });
    } else send(response, 404, { error: 'not found' });
  };
}

const failures = new OnceReporter();

function answerFailed(response: ServerResponse, error: unknown): void {
  failures.report('health-handler', 'the health endpoint failed to answer a request', error);
  try {
    if (response.headersSent) response.destroy();
    else send(response, 500, { error: 'internal error' });
  } catch {
    response.destroy();
  }
}

/** Why a request was left to `next`. */
type Passed = 'not a path' | 'not ours';

type Route = { kind: 'health' } | { kind: 'queue'; queue: string } | { kind: 'malformed' };

function routeOf(pathname: string, basePath: string): Route | undefined {
  if (!pathname.startsWith(basePath)) return undefined;
  const rest = pathname.slice(basePath.length);
  if (rest === '/health') return { kind: 'health' };
  const match = /^\/queues\/([^/]+)$/.exec(rest);
  if (!match) return undefined;
  try {
    return { kind: 'queue', queue: decodeURIComponent(match[1]!) };
  } catch {
    return { kind: 'malformed' };
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(response.req?.method === 'HEAD' ? undefined : text);
}

function checkOptions(options: HealthHandlerOptions): { basePath: string } {
  expectKnownKeys(undefined, options, ['token', 'scopedTokens', 'queueLabels', 'thresholds', 'basePath']);
  const { basePath = '' } = options;
  if (
    typeof basePath !== 'string' ||
    (basePath !== '' && (!basePath.startsWith('/') || basePath.endsWith('/')))
  ) {
    throw new QueuetelConfigError(
      'basePath',
      `must be '' or a path such as '/queuetel', got ${typeName(basePath)}`,
    );
  }
  return { basePath };
}
