import { describe, expect, it } from 'vitest';
import { collectorErrorType } from '../src/collector/errors.js';
import { QueueSourceNotFoundError } from '../src/sources/discover.js';

const pgError = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe("a failed collection's error.type", () => {
  it.each([
    [pgError('ECONNREFUSED'), 'connection'],
    [pgError('57P01', 'terminating connection due to administrator command'), 'connection'],
    [pgError('08006'), 'connection'],
    [pgError('28P01', 'password authentication failed'), 'connection'],
    [new Error('Connection terminated unexpectedly'), 'connection'],
    [pgError('57014', 'canceling statement due to statement timeout'), 'timeout'],
    [new Error('Query read timeout'), 'timeout'],
    [pgError('42501', 'permission denied for table job'), 'permission_denied'],
    [pgError('42P01', 'relation "pgboss.queue" does not exist'), 'schema_changed'],
    [pgError('42703'), 'schema_changed'],
    [new QueueSourceNotFoundError("pg-boss schema 'x' was not found"), 'not_found'],
    [new TypeError('boom'), 'TypeError'],
    ['a string', '_OTHER'],
  ])('of %s is %s', (error, type) => {
    expect(collectorErrorType(error)).toBe(type);
  });
});
