import { describe, expect, it } from 'vitest';
import { DATA_CARRIER_KEY } from '@queuetel/pg-boss';
import { keepCarrier, keptCarrier, takeCarrier, withCarrier } from '../src/data-carrier.js';

const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

describe('the reserved data key', () => {
  it('adds the carrier to a copy of object data and takes it back out', () => {
    const data = { to: 'ada@example.com' };
    const sent = withCarrier(data, carrier) as Record<string, unknown>;
    expect(data).toEqual({ to: 'ada@example.com' });
    expect(sent[DATA_CARRIER_KEY]).toEqual(carrier);
    const job = { data: JSON.parse(JSON.stringify(sent)) as unknown };
    expect(takeCarrier(job)).toEqual(carrier);
    expect(job.data).toEqual({ to: 'ada@example.com' });
  });

  it('gives back null to a job that was sent without data', () => {
    const job = { data: withCarrier(undefined, carrier) };
    expect(takeCarrier(job)).toMatchObject(carrier);
    expect(job.data).toBeNull();
  });

  it('leaves data that cannot carry it alone', () => {
    expect(withCarrier([1, 2], carrier)).toEqual([1, 2]);
    expect(withCarrier('text', carrier)).toBe('text');
    expect(withCarrier({ a: 1 }, undefined)).toEqual({ a: 1 });
  });

  it('leaves jobs without the key untouched, whatever their data', () => {
    for (const data of [null, 'x', [1], { a: 1 }, { [`${DATA_CARRIER_KEY}x`]: 1 }]) {
      const job = { data };
      expect(takeCarrier(job)).toBeUndefined();
      expect(job.data).toBe(data);
    }
  });

  it('gives the handler every other key of its data, in order, a "__proto__" key as a plain key', () => {
    const text = `{"b":{"c":[1]},"__proto__":{"polluted":true},"a":null,"${DATA_CARRIER_KEY}":{},"z":""}`;
    const job = { data: JSON.parse(text) as unknown };
    takeCarrier(job);
    const data = job.data as Record<string, unknown>;
    expect(JSON.stringify(data)).toBe('{"b":{"c":[1]},"__proto__":{"polluted":true},"a":null,"z":""}');
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
  });

  it('gives an empty object, not null, to a job sent with empty data', () => {
    const job = { data: JSON.parse(JSON.stringify(withCarrier({}, carrier))) as unknown };
    takeCarrier(job);
    expect(job.data).toEqual({});
  });

  it('hands back whatever was stored under the key, for the reader to reject', () => {
    const job = { data: { a: 1, [DATA_CARRIER_KEY]: 'not a carrier' } };
    expect(takeCarrier(job)).toBe('not a carrier');
    expect(job.data).toEqual({ a: 1 });
  });
});

describe('the carrier kept with a job', () => {
  it('stays out of sight of the handler: not in JSON, keys or a spread of the data', () => {
    const job = { id: 'j1', data: { a: 1 } };
    keepCarrier(job, carrier);
    expect(keptCarrier(job)).toBe(carrier);
    expect(JSON.stringify(job)).toBe('{"id":"j1","data":{"a":1}}');
    expect(Object.keys(job)).toEqual(['id', 'data']);
  });

  it('is simply not kept on a frozen job, which still runs', () => {
    const job = Object.freeze({ id: 'j2', data: null });
    expect(() => keepCarrier(job, carrier)).not.toThrow();
    expect(keptCarrier(job)).toBeUndefined();
  });
});
