import { describe, expect, it } from 'vitest';
import { requestTargetOf } from '../src/http/target.js';

describe('requestTargetOf', () => {
  it.each(['//a:99999/health', '//[', '//%zz/x', '/queues/%zz', '/health?%zz=%&schema=%E0%A4%A'])(
    'reads %s without throwing',
    (raw) => {
      expect(requestTargetOf(raw)?.pathname).toBe(raw.split('?')[0]);
    },
  );

  it('splits the query off and drops a fragment', () => {
    const target = requestTargetOf('/queues/work?schema=pgboss&system=pg-boss#x');
    expect(target?.pathname).toBe('/queues/work');
    expect(target?.query.get('schema')).toBe('pgboss');
    expect(target?.query.get('system')).toBe('pg-boss');
  });

  it.each([undefined, '', '*', 'health', 'http://localhost/health', 42])(
    'gives undefined for %s, which is not origin-form',
    (raw) => {
      expect(requestTargetOf(raw)).toBeUndefined();
    },
  );
});
