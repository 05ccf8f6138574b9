import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createAccess } from '../src/http/scopes.js';

const request = (token?: string) =>
  ({ headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }) as IncomingMessage;

describe('createAccess', () => {
  it.each([
    [{ token: '' }, "'token'"],
    [{ scopedTokens: {} }, "'scopedTokens'"],
    [{ scopedTokens: [{ token: 'a' }] }, "'scopedTokens[0]'"],
    [{ scopedTokens: [{ token: 7, queues: ['q'] }] }, "'scopedTokens[0].token'"],
    [{ scopedTokens: [{ token: 'a', queues: 'q' }] }, "'scopedTokens[0].queues'"],
    [{ scopedTokens: [{ token: 'a', queues: [''] }] }, "'scopedTokens[0].queues[0]'"],
    [{ scopedTokens: [{ token: 'a', labels: { project: 1 } }] }, "'scopedTokens[0].labels.project'"],
    [{ scopedTokens: [{ token: 'a', queue: ['q'] }] }, "'scopedTokens[0].queue'"],
    [{ token: 'a', scopedTokens: [{ token: 'a', queues: ['q'] }] }, "'scopedTokens[0].token'"],
    [{ queueLabels: [] }, "'queueLabels'"],
    [{ queueLabels: { 'acme-*': 'acme' } }, "'queueLabels.acme-*'"],
  ])('refuses %j with an error naming %s', (options, field) => {
    expect(() => createAccess(options)).toThrow(field);
  });

  it('lets every request through when no token is configured', () => {
    const access = createAccess({});
    expect(access.required).toBe(false);
    expect(access.scopeOf(request())?.all).toBe(true);
  });

  it('finds the scope of the token presented, and none for a token not configured', () => {
    const access = createAccess({
      token: 'admin',
      scopedTokens: [
        { token: 'by-name', queues: ['acme-*', 'shared.q'] },
        { token: 'by-label', labels: { project: 'acme' } },
      ],
      queueLabels: { 'acme*': { project: 'acme' }, 'globex*': { project: 'globex' } },
    });
    expect(access.scopeOf(request('admin'))?.all).toBe(true);
    expect(access.scopeOf(request())).toBeUndefined();
    expect(access.scopeOf(request('by-nam'))).toBeUndefined();
    const byName = access.scopeOf(request('by-name'))!;
    expect(byName.all).toBe(false);
    expect(
      ['acme-a', 'acme-', 'shared.q', 'sharedxq', 'globex-a', 'xacme-a'].map((q) => byName.seesQueue(q)),
    ).toEqual([true, true, true, false, false, false]);
    const byLabel = access.scopeOf(request('by-label'))!;
    expect(['acme_events', 'globex_events', 'other'].map((q) => byLabel.seesQueue(q))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('shows a metric point only when every queue it names, or the label it carries, is in scope', () => {
    const access = createAccess({
      scopedTokens: [{ token: 't', labels: { project: 'acme' } }],
      queueLabels: { 'acme*': { project: 'acme' } },
    });
    const scope = access.scopeOf(request('t'))!;
    expect(scope.seesPoint({})).toBe(true);
    expect(scope.seesPoint({ 'messaging.destination.name': 'acme-1' })).toBe(true);
    expect(scope.seesPoint({ 'messaging.destination.name': 'globex-1' })).toBe(false);
    expect(
      scope.seesPoint({ 'messaging.destination.name': 'acme-1', 'queuetel.dead_letter.name': 'globex-dlq' }),
    ).toBe(false);
    // A shared queue: the point of acme's jobs is acme's, the point of globex's is not.
    expect(scope.seesPoint({ 'messaging.destination.name': 'shared', project: 'acme' })).toBe(true);
    expect(scope.seesPoint({ 'messaging.destination.name': 'shared', project: 'globex' })).toBe(false);
    expect(scope.seesPoint({ 'messaging.destination.name': '_overflow' })).toBe(false);
  });
});
