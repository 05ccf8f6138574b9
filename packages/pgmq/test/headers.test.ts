import { describe, expect, it } from 'vitest';
import { carrierOf, withTraceContext } from '../src/headers.js';
import type { PgmqMessage } from '@queuetel/pgmq';

const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

const message = (headers: unknown): PgmqMessage =>
  ({
    msgId: '1',
    readCount: 1,
    enqueuedAt: new Date(0),
    lastReadAt: undefined,
    vt: new Date(0),
    message: {},
    headers,
  }) as PgmqMessage;

describe('writing trace context into pgmq headers', () => {
  it('keeps every key the caller gave, such as x-pgmq-group, beside the trace context', () => {
    expect(withTraceContext({ 'x-pgmq-group': 'user-7', 'x-project': 'acme' }, carrier)).toEqual({
      'x-pgmq-group': 'user-7',
      'x-project': 'acme',
      traceparent: carrier.traceparent,
    });
  });

  it("replaces only a stale traceparent with this send's", () => {
    const stale = { traceparent: '00-11111111111111111111111111111111-2222222222222222-01', tenant: 't' };
    expect(withTraceContext(stale, carrier)).toEqual({ traceparent: carrier.traceparent, tenant: 't' });
  });

  it('never changes the object the caller passed', () => {
    const given = { 'x-pgmq-group': 'g' };
    withTraceContext(given, carrier);
    expect(given).toEqual({ 'x-pgmq-group': 'g' });
  });

  it('sends the trace context alone when there are no headers, and null when there is nothing at all', () => {
    expect(withTraceContext(undefined, carrier)).toEqual(carrier);
    expect(withTraceContext(null, carrier)).toEqual(carrier);
    expect(withTraceContext(undefined, undefined)).toBeNull();
    expect(withTraceContext({ a: 1 }, undefined)).toEqual({ a: 1 });
  });

  it('sends headers that cannot take a key as they are', () => {
    const odd = ['not', 'an', 'object'] as unknown as Record<string, unknown>;
    expect(withTraceContext(odd, carrier)).toBe(odd);
  });
});

describe('reading trace context back from pgmq headers', () => {
  it('uses headers that are a JSON object', () => {
    expect(carrierOf(message({ traceparent: 'x', 'x-pgmq-group': 'g' }))).toEqual({
      traceparent: 'x',
      'x-pgmq-group': 'g',
    });
  });

  it.each([
    ['null', null],
    ['a string', '{"traceparent":"00-..."}'],
    ['an array', [carrier]],
    ['a number', 42],
    ['a boolean', true],
  ])('ignores headers that are %s', (_, headers) => {
    expect(carrierOf(message(headers))).toBeUndefined();
  });
});
