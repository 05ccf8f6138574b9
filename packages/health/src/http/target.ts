/** A request's path and query, read from its request target without ever throwing. */
export interface RequestTarget {
  readonly pathname: string;
  readonly query: URLSearchParams;
}

/**
 * Reads the origin-form target (`/path?query`) a client sent. `new URL(target, base)` is not used:
 * it throws on targets such as `//a:99999/health` or `//[`, which it reads as a host, and a throw in
 * a request listener ends the process. Anything that is not origin-form (absolute-form, `*`, empty)
 * gives `undefined`, which the handler answers with 400. `URLSearchParams` never throws: it keeps a
 * malformed escape as written.
 */
export function requestTargetOf(raw: unknown): RequestTarget | undefined {
  if (typeof raw !== 'string' || !raw.startsWith('/')) return undefined;
  const hash = raw.indexOf('#');
  const target = hash === -1 ? raw : raw.slice(0, hash);
  const question = target.indexOf('?');
  if (question === -1) return { pathname: target, query: new URLSearchParams() };
  return { pathname: target.slice(0, question), query: new URLSearchParams(target.slice(question + 1)) };
}
