import { ROOT_CONTEXT, TraceFlags, context, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettleBatch } from '../src/settle-batch.js';

/** A process span's context, as the consumer holds it. */
function processContext(spanId: string): Context {
  const spanContext: SpanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId,
    traceFlags: TraceFlags.SAMPLED,
  };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

interface Call {
  readonly ids: readonly string[];
  readonly linked: readonly string[];
  /** The span active while the statement ran: the parent its settle span gets. */
  readonly parent: string | undefined;
  finish(error?: Error): void;
}

/** A statement runner that records each call and returns only when the test says so. */
function statements() {
  const calls: Call[] = [];
  const settleMany = (ids: readonly string[], linked: readonly SpanContext[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        ids,
        linked: linked.map((spanContext) => spanContext.spanId),
        parent: trace.getSpanContext(context.active())?.spanId,
        finish: (error) => (error === undefined ? resolve() : reject(error)),
      });
    });
  return { calls, settleMany };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('settling the messages that succeed together in one statement', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => void context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    manager.disable();
    context.disable();
  });

  it('sends one statement for the messages that finish in the same turn, linked to their process spans', async () => {
    const { calls, settleMany } = statements();
    const batch = new SettleBatch(settleMany);
    const settled = ['1', '2', '3'].map((id, i) =>
      batch.settle(id, processContext(`000000000000000${i + 1}`)),
    );
    await turn();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      ids: ['1', '2', '3'],
      linked: ['0000000000000001', '0000000000000002', '0000000000000003'],
      parent: undefined,
    });
    calls[0]!.finish();
    await expect(Promise.all(settled)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('settles a lone message under its own process span', async () => {
    const { calls, settleMany } = statements();
    const batch = new SettleBatch(settleMany);
    const settled = batch.settle('7', processContext('0000000000000007'));
    await turn();
    expect(calls[0]).toMatchObject({ ids: ['7'], linked: [], parent: '0000000000000007' });
    calls[0]!.finish();
    await settled;
  });

  it('puts the messages that finish while a statement runs in the next one, sent as soon as it returns', async () => {
    const { calls, settleMany } = statements();
    const batch = new SettleBatch(settleMany);
    const first = batch.settle('1', processContext('0000000000000001'));
    await turn();
    let secondDone = false;
    const later = [
      batch.settle('2', processContext('0000000000000002')),
      batch.settle('3', processContext('0000000000000003')),
    ];
    void Promise.all(later).then(() => (secondDone = true));
    await turn();
    // Still one statement: the first has not returned yet.
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await first;
    await turn();
    expect(calls.map((call) => call.ids)).toEqual([['1'], ['2', '3']]);
    expect(secondDone).toBe(false);
    calls[1]!.finish();
    await Promise.all(later);
  });

  it('rejects every message of a failed statement with its error, and carries on with the next', async () => {
    const { calls, settleMany } = statements();
    const batch = new SettleBatch(settleMany);
    const refused = new Error('deletes refused');
    const failed = ['1', '2'].map((id) => batch.settle(id, ROOT_CONTEXT).catch((error: unknown) => error));
    await turn();
    calls[0]!.finish(refused);
    expect(await Promise.all(failed)).toEqual([refused, refused]);
    const next = batch.settle('3', ROOT_CONTEXT);
    await turn();
    expect(calls[1]!.ids).toEqual(['3']);
    calls[1]!.finish();
    await next;
  });
});
