import { ROOT_CONTEXT, SpanKind, propagation, trace, type TracerProvider } from '@opentelemetry/api';
import type { PgBossJob } from '@queuetel/pg-boss';
import { jobLabels } from '../lib/workload.js';

/** A W3C carrier as an instrumented producer in another process would have stored it. */
export function producerCarrier(tracerProvider: TracerProvider): Record<string, string> {
  const span = tracerProvider
    .getTracer('bench-producer')
    .startSpan('send bench', { kind: SpanKind.PRODUCER });
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  span.end();
  return carrier;
}

const CREATED = new Date(Date.now() - 1500);
const STARTED = new Date(Date.now() - 20);
// Ids made up front: formatting one per job would cost more than some of what is being measured.
const IDS = Array.from({ length: 4096 }, (_, i) => `0b4f9a2e-5c1d-4e8a-9f3b-${String(100000000000 + i)}`);
const DATA = Array.from({ length: 24 }, (_, i) => jobLabels(i));

/**
 * A job shaped the way pg-boss 12 hands one to a handler with `includeMetadata: true`: two new
 * objects per call, as every fetch makes. `carrier` is put where queuetel's producer stores the
 * trace context, in the data.
 */
export function pgBossJob(i: number, carrier: Record<string, string> | undefined): PgBossJob<unknown> {
  const { project, endpoint, status } = DATA[i % DATA.length]!;
  return {
    id: IDS[i & 4095]!,
    name: 'bench',
    data: carrier ? { project, endpoint, status, __queuetel: carrier } : { project, endpoint, status },
    retryCount: 0,
    retryLimit: 2,
    expireInSeconds: 900,
    createdOn: CREATED,
    startAfter: CREATED,
    startedOn: STARTED,
    deadLetter: null,
  };
}
