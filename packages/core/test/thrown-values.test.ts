import { describe, expect, it } from 'vitest';
import { JOB_OUTCOMES, JobTelemetry, resolveOptions, type QueueAdapter } from '@queuetel/core';
import { createTestTelemetry, type MetricsPath } from '../../../test/harness/otel.js';
import { HOSTILE_THROWS } from '../../../test/harness/thrown-values.js';

interface ToyJob {
  id: string;
}

const adapter: QueueAdapter<ToyJob> = {
  system: 'toy',
  scope: { name: 'toy-scope' },
  facts: (job) => ({ id: job.id, attempt: 1, waitSeconds: undefined }),
  carrier: () => undefined,
  verdict: (_job, failure) => ({ outcome: failure ? JOB_OUTCOMES.failed : JOB_OUTCOMES.completed }),
};

describe.each<MetricsPath>(['producer', 'meter'])(
  'whatever a handler throws, through the %s path',
  (path) => {
    it.each(HOSTILE_THROWS)(
      '$name: rethrown as itself, span ended, in_flight back to zero, one outcome',
      async ({ make }) => {
        const otel = createTestTelemetry(path);
        const telemetry = new JobTelemetry(resolveOptions(otel.providers), adapter);
        const thrown = make();
        let caught: unknown = 'nothing was thrown';
        try {
          await telemetry.consumer('q').process([{ id: 'j1' }], { kind: 'own' }, () => {
            throw thrown;
          });
        } catch (error) {
          caught = error;
        }
        expect(Object.is(caught, thrown)).toBe(true);

        const spans = otel.spans();
        expect(spans).toHaveLength(1);
        expect(spans[0]!.ended).toBe(true);
        expect(spans[0]!.events.map((event) => event.name)).toEqual(['exception']);
        const metrics = await otel.collect();
        expect(metrics.total('queuetel.job.in_flight')).toBe(0);
        expect(metrics.total('queuetel.job.outcomes')).toBe(1);
        expect(metrics.total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'failed' })).toBe(1);
        expect(metrics.total('queuetel.job.duration')).toBe(1);
        expect(metrics.total('messaging.process.duration')).toBe(1);
      },
    );
  },
);
