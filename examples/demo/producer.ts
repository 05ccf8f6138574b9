/** Enqueues deliveries at a steady rate, alternating between pg-boss and pgmq. */
import type { Tracer } from '@opentelemetry/api';
import { pickEndpoint } from './receivers.js';
import type { Delivery } from './delivery.js';

const EVENTS = ['order.created', 'order.paid', 'invoice.sent', 'customer.updated'];

export interface Producer {
  /** Deliveries each side accepted. */
  readonly sent: { readonly pgBoss: number; readonly pgmq: number };
  /** The trace of the first delivery, when traces are recorded. */
  readonly firstTraceId: string | undefined;
  /** Stops sending and waits for the sends under way. */
  stop(): Promise<void>;
}

type Send = (delivery: Delivery) => Promise<unknown>;

/**
 * Each delivery is enqueued inside a span of its own, as if an API request asked for it, so that
 * its trace runs from the enqueue through pg-boss's or pgmq's send to every delivery attempt.
 */
export function startProducer(rate: number, sides: { pgBoss: Send; pgmq: Send }, tracer: Tracer): Producer {
  let firstTraceId: string | undefined;
  const sent = { pgBoss: 0, pgmq: 0 };
  const pending = new Set<Promise<unknown>>();
  let ticks = 0;
  const started = Date.now();
  const send = (side: 'pgBoss' | 'pgmq') => {
    const delivery = { ...pickEndpoint(), event: EVENTS[ticks % EVENTS.length]! };
    const sending = tracer.startActiveSpan(`enqueue ${delivery.event}`, (span) => {
      if (span.isRecording()) firstTraceId ??= span.spanContext().traceId;
      return sides[side](delivery)
        .then(
          () => void sent[side]++,
          (error: Error) => console.error(`send failed: ${error.message}`),
        )
        .finally(() => span.end());
    });
    pending.add(sending);
    void sending.finally(() => pending.delete(sending));
  };
  // Catches up to the rate on each tick, so that a slow event loop does not lower it.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (ticks < due) send(ticks++ % 2 === 0 ? 'pgBoss' : 'pgmq');
  }, 50);
  return {
    sent,
    get firstTraceId() {
      return firstTraceId;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}
