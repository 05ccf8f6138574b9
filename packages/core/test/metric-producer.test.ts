import { describe, expect, it } from 'vitest';
import { INSTRUMENTS, WAIT_TIME_BUCKETS, type MetricSink } from '@queuetel/core';
import { MeterSink } from '@queuetel/core/internal';
import { createTestTelemetry } from '../../../test/harness/otel.js';

const scope = { name: 'test-scope', version: '1.0.0' };

/** The same recordings, through whichever sink. */
function record(sink: MetricSink): void {
  const attributes = { 'messaging.destination.name': 'email', project: 'acme' };
  const waits = sink.histogram(INSTRUMENTS.jobWaitTime, attributes);
  for (const seconds of [0.001, 0.2, 3, 45, 900, 5000, 40000]) waits.record(seconds);
  const attempts = sink.counter(INSTRUMENTS.jobAttempts, attributes);
  attempts.add(1);
  attempts.add(2);
  const inFlight = sink.counter(INSTRUMENTS.jobInFlight, attributes);
  inFlight.add(1);
  inFlight.add(1);
  inFlight.add(-1);
}

describe('the pre-aggregating producer', () => {
  it('hands the reader exactly what the Meter API path records for the same values', async () => {
    const viaProducer = createTestTelemetry('producer');
    record(viaProducer.metricProducer!.storeFor(scope));
    const viaMeter = createTestTelemetry('meter');
    record(MeterSink.shared(scope, viaMeter.meterProvider));

    const [fast, plain] = await Promise.all([viaProducer.collect(), viaMeter.collect()]);
    for (const name of [
      INSTRUMENTS.jobWaitTime.name,
      INSTRUMENTS.jobAttempts.name,
      INSTRUMENTS.jobInFlight.name,
    ]) {
      const a = fast.metric(name)!;
      const b = plain.metric(name)!;
      expect(a.dataPointType).toBe(b.dataPointType);
      expect(a.descriptor.unit).toBe(b.descriptor.unit);
      expect(a.aggregationTemporality).toBe(b.aggregationTemporality);
      if ('isMonotonic' in a && 'isMonotonic' in b) expect(a.isMonotonic).toBe(b.isMonotonic);
      expect(a.dataPoints.map((p) => [p.attributes, p.value])).toEqual(
        b.dataPoints.map((p) => [p.attributes, p.value]),
      );
    }
    const waits = fast.points(INSTRUMENTS.jobWaitTime.name)[0]!.histogram!;
    expect(waits.buckets.boundaries).toEqual(WAIT_TIME_BUCKETS);
    expect(waits.count).toBe(7);
    expect(waits.min).toBe(0.001);
    expect(waits.max).toBe(40000);
    expect(fast.total(INSTRUMENTS.jobInFlight.name)).toBe(1);
    expect(fast.total(INSTRUMENTS.jobAttempts.name)).toBe(3);
  });

  it('merges instrumentations of one scope into one point per attribute set', async () => {
    const telemetry = createTestTelemetry('producer');
    const attributes = { 'messaging.destination.name': 'q' };
    telemetry.metricProducer!.storeFor(scope).counter(INSTRUMENTS.jobAttempts, attributes).add(1);
    telemetry
      .metricProducer!.storeFor(scope)
      .counter(INSTRUMENTS.jobAttempts, { ...attributes })
      .add(2);
    const snapshot = await telemetry.collect();
    expect(snapshot.points(INSTRUMENTS.jobAttempts.name)).toHaveLength(1);
    expect(snapshot.total(INSTRUMENTS.jobAttempts.name)).toBe(3);
  });

  it.each(['producer', 'meter'] as const)(
    'leaves out what was bound but never recorded, and keeps an up-down counter back at zero (%s path)',
    async (path) => {
      const telemetry = createTestTelemetry(path);
      const sink =
        path === 'producer'
          ? telemetry.metricProducer!.storeFor(scope)
          : MeterSink.shared(scope, telemetry.meterProvider);
      const attributes = { 'messaging.destination.name': 'q' };
      sink.histogram(INSTRUMENTS.jobWaitTime, attributes);
      sink.counter(INSTRUMENTS.jobAttempts, attributes);
      const inFlight = sink.counter(INSTRUMENTS.jobInFlight, attributes);
      inFlight.add(1);
      inFlight.add(-1);
      const snapshot = await telemetry.collect();
      expect(snapshot.points(INSTRUMENTS.jobWaitTime.name)).toHaveLength(0);
      expect(snapshot.points(INSTRUMENTS.jobAttempts.name)).toHaveLength(0);
      expect(snapshot.points(INSTRUMENTS.jobInFlight.name)).toHaveLength(1);
      expect(snapshot.total(INSTRUMENTS.jobInFlight.name)).toBe(0);
    },
  );
});
