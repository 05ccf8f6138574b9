import { describe, expect, it } from 'vitest';
import { QueuetelConfigError } from '@queuetel/core';
import { createHealthHandler, monitoringRoleSql, startHeartbeat, startQueueHealth } from '@queuetel/health';
import type { QueueHealth } from '@queuetel/health';
import { resolveHealthOptions } from '../src/options.js';

const url = 'postgres://user:secret@localhost:5432/app';

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof QueuetelConfigError) return error.field;
    throw error;
  }
  throw new Error('no error was thrown');
}

describe('collector options, checked once at start', () => {
  it('fills in the defaults: every 5 s, a 2 s statement timeout, discovery, election', () => {
    const resolved = resolveHealthOptions({ connectionString: url });
    expect(resolved).toMatchObject({
      intervalSeconds: 5,
      statementTimeoutMs: 2000,
      election: true,
      lockName: 'queuetel.collector',
      tracePolling: false,
      countLostJobs: true,
      queues: undefined,
      discovery: { pgBossSchemas: 'auto', pgmq: 'auto' },
      database: { connectionString: url },
    });
    expect(resolveHealthOptions({ connectionString: url, intervalSeconds: 1 }).statementTimeoutMs).toBe(500);
  });

  it.each([
    [{}, 'connectionString'],
    [{ connectionString: '' }, 'connectionString'],
    [{ connectionString: 'http://localhost/app' }, 'connectionString'],
    [{ connectionString: 'postgres://[oops' }, 'connectionString'],
    [{ connectionString: 'not a url' }, 'connectionString'],
    [{ connectionString: url, pool: {} }, 'pool'],
    [{ pool: { query: () => {} } }, 'pool'],
    [{ connectionString: url, intervalSeconds: 0 }, 'intervalSeconds'],
    [{ connectionString: url, intervalSeconds: '5' }, 'intervalSeconds'],
    [{ connectionString: url, statementTimeoutMs: 6000 }, 'statementTimeoutMs'],
    [{ connectionString: url, statementTimeoutMs: 1.5 }, 'statementTimeoutMs'],
    [{ connectionString: url, pgBossSchemas: [] }, 'pgBossSchemas'],
    [{ connectionString: url, pgBossSchemas: 'pgboss' }, 'pgBossSchemas'],
    [{ connectionString: url, pgBossSchemas: ['pgboss', ''] }, 'pgBossSchemas[1]'],
    [{ connectionString: url, pgmq: 'yes' }, 'pgmq'],
    [{ connectionString: url, queues: [1] }, 'queues[0]'],
    [{ connectionString: url, election: 'off' }, 'election'],
    [{ connectionString: url, lockName: '' }, 'lockName'],
    [{ connectionString: url, tracePolling: 'on' }, 'tracePolling'],
    [{ connectionString: url, countLostJobs: 'yes' }, 'countLostJobs'],
    [{ connectionString: url, meterProvider: {} }, 'meterProvider'],
    [{ connectionString: url, metricProducer: {} }, 'metricProducer'],
    [{ connectionString: url, intervall: 5 }, 'intervall'],
  ])('refuses %j, naming %s', (options, field) => {
    expect(fieldOf(() => startQueueHealth(options as never))).toBe(field);
  });

  it('accepts libpq key=value connection strings and a pool', () => {
    expect(resolveHealthOptions({ connectionString: 'host=localhost dbname=app' }).database).toEqual({
      connectionString: 'host=localhost dbname=app',
    });
    const pool = {
      connect: () => Promise.reject(new Error('unused')),
      query: () => Promise.reject(new Error('unused')),
    };
    expect(resolveHealthOptions({ pool: pool }).database).toEqual({ pool });
  });
});

describe('heartbeat, handler and role options', () => {
  it.each([
    [{ connectionString: url }, 'queues'],
    [{ connectionString: url, queues: [] }, 'queues'],
    [{ connectionString: url, queues: ['a', ''] }, 'queues[1]'],
    [{ connectionString: url, queues: ['a'], system: 'kafka' }, 'system'],
    [{ connectionString: url, queues: ['a'], intervalSeconds: 0.5 }, 'intervalSeconds'],
    [{ connectionString: url, queues: ['a'], tracePolling: 1 }, 'tracePolling'],
    [{ queues: ['a'] }, 'connectionString'],
  ])('a heartbeat refuses %j, naming %s', (options, field) => {
    expect(fieldOf(() => startHeartbeat(options as never))).toBe(field);
  });

  const health = {} as QueueHealth;
  it.each([
    [{ token: '' }, 'token'],
    [{ basePath: 'queuetel' }, 'basePath'],
    [{ basePath: '/queuetel/' }, 'basePath'],
    [{ thresholds: { oldestAgeSeconds: 60 } }, 'thresholds.oldestAgeSeconds'],
    [{ thresholds: { oldestAgeSeconds: { warn: 1 } } }, 'thresholds.oldestAgeSeconds.warn'],
    [{ thresholds: { queueLength: { degraded: 10, unhealthy: 5 } } }, 'thresholds.queueLength'],
    [{ thresholds: { noWorkers: 'fatal' } }, 'thresholds.noWorkers'],
    [
      { thresholds: { queues: { email: { deadLetterJobs: { degraded: -1 } } } } },
      'thresholds.queues.email.deadLetterJobs.degraded',
    ],
    [
      { thresholds: { queues: { email: { collectorLagSeconds: {} } } } },
      'thresholds.queues.email.collectorLagSeconds',
    ],
    [{ tokens: 'x' }, 'tokens'],
  ])('a health handler refuses %j, naming %s', (options, field) => {
    expect(fieldOf(() => createHealthHandler(health, options as never))).toBe(field);
  });

  it.each([
    [{ role: 'queuetel monitor' }, 'role'],
    [{ role: 'x"; DROP TABLE job; --' }, 'role'],
    [{ pgBossSchemas: [] }, 'pgBossSchemas'],
    [{ pgBossSchemas: ["pg'boss"] }, 'pgBossSchemas[0]'],
  ])('the role script refuses %j, naming %s', (options, field) => {
    expect(fieldOf(() => monitoringRoleSql(options as never))).toBe(field);
  });
});
