import { describe, expect, it } from 'vitest';
import { QueuetelConfigError, resolveOptions } from '@queuetel/core';

function problem(options: unknown): string {
  try {
    resolveOptions(options as never);
  } catch (error) {
    expect(error).toBeInstanceOf(QueuetelConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}

describe('options are checked once, at construction', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveOptions(undefined);
    expect(resolved.producerRelationship).toBe('link');
    expect(resolved.tracing).toBe(true);
    expect(resolved.metrics).toBe(true);
    expect(resolved.maxLabelCombinations).toBe(500);
    expect(resolved.maxQueues).toBe(200);
    expect(resolved.labels).toEqual({});
    expect(resolved.tracePolling).toBe(false);
  });

  it.each([
    [
      { producerRelationship: 'parent' },
      "option 'producerRelationship' must be one of 'link', 'child', 'none', got 'parent'",
    ],
    [{ tracing: 'yes' }, "option 'tracing' must be true or false, got 'yes'"],
    [{ tracePolling: 1 }, "option 'tracePolling' must be true or false, got 1"],
    [{ tracerProvider: {} }, "option 'tracerProvider' must have a getTracer() method"],
    [{ labels: [] }, "option 'labels' must be an object of label definitions, got an array"],
    [{ labels: { Project: { from: 'data.p' } } }, "option 'labels.Project' has an invalid key"],
    [{ labels: { project: { from: 3 } } }, "option 'labels.project.from' must be a dotted path"],
    [
      { labels: { project: { from: 'data.p', maxValues: 0 } } },
      "option 'labels.project.maxValues' must be a whole number from 1 to 10000, got 0",
    ],
    [
      { labels: { project: { from: 'data.p', values: ['a', ''] } } },
      "option 'labels.project.values[1]' must be a non-empty string",
    ],
    [
      { labels: { project: { from: 'data.p', maxvalues: 3 } } },
      "option 'labels.project.maxvalues' is not a known label setting",
    ],
    [{ maxLabelCombinations: 1.5 }, "option 'maxLabelCombinations' must be a whole number"],
    [{ lables: {} }, "option 'lables' is not a known option"],
    ['fast', "option 'options' must be an object, got 'fast'"],
  ])('refuses %j with a message naming the field', (options, message) => {
    expect(problem(options)).toContain(message);
  });

  it.each([
    'job',
    'instance',
    'le',
    'quantile',
    'service_name',
    'error_type',
    'otel_scope_name',
    'messaging_system',
    'queuetel_outcome',
  ])('refuses the label key %s, which would collide downstream, naming it', (key) => {
    expect(problem({ labels: { [key]: { from: 'data.x' } } })).toMatch(
      new RegExp(`option 'labels\\.${key}' uses a reserved key: '${key}' would collide with`),
    );
  });

  it('refuses __-prefixed keys, which Prometheus reserves', () => {
    expect(problem({ labels: { __name__: { from: 'data.x' } } })).toContain(
      "option 'labels.__name__' has an invalid key",
    );
  });

  it('accepts keys that only look like reserved ones', () => {
    expect(() =>
      resolveOptions({ labels: { job_type: { from: 'data.t' }, tenant: { from: 'data.t' } } }),
    ).not.toThrow();
  });

  it('accepts the keys an adapter adds, and only those', () => {
    expect(() => resolveOptions({ builtInTelemetry: true } as never, ['builtInTelemetry'])).not.toThrow();
    expect(() => resolveOptions({ builtInTelemetry: true } as never)).toThrow(/builtInTelemetry/);
  });
});
