import { describe, expect, it } from 'vitest';
import { isExpiryOutput } from '../src/lost-attempts.js';

describe("pg-boss's mark on an attempt it expired", () => {
  it('is read from each version: 10.x, 12.x expiry and 12.x missed heartbeat', () => {
    expect(isExpiryOutput({ value: { message: 'job failed by timeout in active state' } })).toBe(true);
    expect(isExpiryOutput({ value: { message: 'job timed out' } })).toBe(true);
    expect(isExpiryOutput({ value: { message: 'job heartbeat timeout' } })).toBe(true);
  });

  it("is never taken from a handler's own failure, however it reads", () => {
    // pg-boss stores a thrown Error as its serialised fields, a primitive as { value }.
    expect(isExpiryOutput({ name: 'Error', message: 'job timed out', stack: 'Error: job timed out' })).toBe(
      false,
    );
    expect(isExpiryOutput({ value: 'job timed out' })).toBe(false);
    expect(isExpiryOutput({ value: { message: 'job timed out', stack: '...' } })).toBe(false);
    expect(isExpiryOutput({ value: { message: 'something else' } })).toBe(false);
    expect(isExpiryOutput({ value: null })).toBe(false);
    expect(isExpiryOutput(null)).toBe(false);
    expect(isExpiryOutput(undefined)).toBe(false);
    expect(isExpiryOutput('job timed out')).toBe(false);
  });
});
