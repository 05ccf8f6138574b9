import { ROOT_CONTEXT, context, trace, type Context, type SpanContext } from '@opentelemetry/api';

/**
 * Deletes (or archives) many messages in one statement and one settle span; `linked` are the
 * process spans of the messages settled, to link the span to.
 */
export type SettleMany = (ids: readonly string[], linked: readonly SpanContext[]) => Promise<unknown>;

interface Waiting {
  readonly id: string;
  /** The message's process span, as the context it ran in: the parent of a settle of it alone. */
  readonly processContext: Context;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Settles the messages whose handlers returned at about the same time in one statement, as a
 * database commits a group: the first message to finish waits for the current turn of the event
 * loop to end (the rest of its batch usually finishes within it), and messages that finish while a
 * statement is running go in the next one, sent as soon as it returns. A batch of 20 then costs one
 * round trip and one settle span rather than 20, and no message waits longer than one statement.
 *
 * A settle of one message runs under its process span, as before batching; a settle of several
 * starts a trace of its own, linked to the process span of each message, as a read's receive span
 * is linked to each message's producer.
 */
export class SettleBatch {
  readonly #settleMany: SettleMany;
  #waiting: Waiting[] = [];
  #scheduled = false;
  #running = false;

  constructor(settleMany: SettleMany) {
    this.#settleMany = settleMany;
  }

  /** Resolves once the statement that settled `id` returned; rejects with its error. */
  settle(id: string, processContext: Context): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ id, processContext, resolve, reject });
      if (this.#scheduled || this.#running) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.#flush();
      });
    });
  }

  async #flush(): Promise<void> {
    this.#running = true;
    while (this.#waiting.length > 0) {
      const group = this.#waiting;
      this.#waiting = [];
      try {
        await this.#run(group);
        for (const waiting of group) waiting.resolve();
      } catch (error) {
        for (const waiting of group) waiting.reject(error);
      }
    }
    this.#running = false;
  }

  #run(group: readonly Waiting[]): Promise<unknown> {
    const ids = group.map((waiting) => waiting.id);
    if (group.length === 1) {
      return context.with(group[0]!.processContext, () => this.#settleMany(ids, []));
    }
    const linked: SpanContext[] = [];
    for (const waiting of group) {
      const spanContext = trace.getSpanContext(waiting.processContext);
      if (spanContext) linked.push(spanContext);
    }
    return context.with(ROOT_CONTEXT, () => this.#settleMany(ids, linked));
  }
}
