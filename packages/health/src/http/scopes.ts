import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_DEAD_LETTER_QUEUE, ATTR_MESSAGING_DESTINATION_NAME, QueuetelConfigError } from '@queuetel/core';
import { expectKnownKeys, typeName } from '@queuetel/core/internal';

/**
 * A bearer token that sees only some queues: those named in `queues`, and those whose labels (in
 * `queueLabels`) include every one of `labels`. Give at least one of the two.
 */
export interface ScopedToken {
  /** The bearer token itself. */
  token: string;
  /** Queue names this token sees; `*` matches any run of characters, as in `acme-*`. */
  queues?: readonly string[];
  /** Label values this token sees, such as `{ project: 'acme' }`. */
  labels?: Readonly<Record<string, string>>;
}

/** Labels of queues, by queue name (`*` matches any run of characters), for tokens scoped by label. */
export type QueueLabels = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What one request may see. */
export interface AccessScope {
  /** False for a scoped token; true for the unscoped token, or when no token is configured. */
  readonly all: boolean;
  /** Whether the request may see this queue, its name and its numbers. */
  seesQueue(name: string): boolean;
  /**
   * Whether the request may see a metric point with these attributes: every queue it names is seen,
   * or (for a label scope) it carries the scope's labels; a point that names no queue and carries
   * none of the scope's label keys is the collector's own, and seen.
   */
  seesPoint(attributes: Attributes): boolean;
}

/** The bearer tokens of an endpoint and what each sees. */
export interface Access {
  /** Whether any token is configured, so that a request without a good one gets 401. */
  readonly required: boolean;
  /** The scope of the request's bearer token; undefined when it carries none that is configured. */
  scopeOf(request: IncomingMessage): AccessScope | undefined;
}

export const ALL_QUEUES: AccessScope = Object.freeze({
  all: true,
  seesQueue: () => true,
  seesPoint: () => true,
});

const QUEUE_ATTRIBUTES = [ATTR_MESSAGING_DESTINATION_NAME, ATTR_DEAD_LETTER_QUEUE];

/**
 * Checks the tokens once, at construction; each error names its field. Every request's token is
 * compared with every configured one in constant time, with no early exit, so neither a token's
 * bytes nor which entry matched shows in the timing.
 */
export function createAccess(options: {
  token?: unknown;
  scopedTokens?: unknown;
  queueLabels?: unknown;
}): Access {
  const entries: { digest: Buffer; scope: AccessScope }[] = [];
  if (options.token !== undefined) {
    if (typeof options.token !== 'string' || options.token.length === 0) {
      throw new QueuetelConfigError('token', `must be a non-empty string, got ${typeName(options.token)}`);
    }
    entries.push({ digest: digest(options.token), scope: ALL_QUEUES });
  }
  const labelsOf = checkQueueLabels(options.queueLabels);
  const scoped = options.scopedTokens;
  if (scoped !== undefined && !Array.isArray(scoped)) {
    throw new QueuetelConfigError('scopedTokens', `must be an array, got ${typeName(scoped)}`);
  }
  (scoped ?? []).forEach((entry: unknown, i: number) => {
    const field = `scopedTokens[${i}]`;
    const { token, queues, labels } = checkScopedToken(field, entry);
    const key = digest(token);
    if (entries.some((other) => other.digest.equals(key))) {
      throw new QueuetelConfigError(`${field}.token`, 'is the same as another token: each must be its own');
    }
    entries.push({ digest: key, scope: scopeOf(queues, labels, labelsOf) });
  });
  return {
    required: entries.length > 0,
    scopeOf(request) {
      if (entries.length === 0) return ALL_QUEUES;
      const presented = bearerOf(request);
      if (presented === undefined) return undefined;
      const key = digest(presented);
      let found: AccessScope | undefined;
      for (const entry of entries) {
        if (timingSafeEqual(key, entry.digest)) found = entry.scope;
      }
      return found;
    },
  };
}

function scopeOf(
  queues: readonly string[],
  labels: Readonly<Record<string, string>>,
  labelsOf: (queue: string) => Readonly<Record<string, string>>,
): AccessScope {
  const named = queues.map(patternOf);
  const wanted = Object.entries(labels);
  const seesQueue = (name: string): boolean =>
    named.some((pattern) => pattern.test(name)) ||
    (wanted.length > 0 && wanted.every(([key, value]) => labelsOf(name)[key] === value));
  return {
    all: false,
    seesQueue,
    seesPoint(attributes) {
      const labelled = wanted.filter(([key]) => attributes[key] !== undefined);
      // A point that carries a label of the scope is the scope's when all of them match.
      if (labelled.length > 0) return labelled.every(([key, value]) => attributes[key] === value);
      return QUEUE_ATTRIBUTES.every((key) => {
        const queue = attributes[key];
        return queue === undefined || (typeof queue === 'string' && seesQueue(queue));
      });
    },
  };
}

/** Whether a request carries `Authorization: Bearer <token>`, compared in constant time. */
export function bearerTokenMatches(request: IncomingMessage, token: string): boolean {
  const presented = bearerOf(request);
  // Hashing both sides gives equal lengths, which a constant-time comparison needs.
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** `acme-*` as a whole-name pattern; only `*` is special. */
function patternOf(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

function checkScopedToken(
  field: string,
  entry: unknown,
): { token: string; queues: readonly string[]; labels: Readonly<Record<string, string>> } {
  expectKnownKeys(field, entry, ['token', 'queues', 'labels'], 'scoped-token field');
  const { token, queues = [], labels = {} } = entry as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0) {
    throw new QueuetelConfigError(`${field}.token`, `must be a non-empty string, got ${typeName(token)}`);
  }
  if (!Array.isArray(queues)) {
    throw new QueuetelConfigError(
      `${field}.queues`,
      `must be an array of queue names, got ${typeName(queues)}`,
    );
  }
  queues.forEach((name: unknown, i) => checkName(`${field}.queues[${i}]`, name));
  const checkedLabels = checkLabelValues(`${field}.labels`, labels);
  if (queues.length === 0 && Object.keys(checkedLabels).length === 0) {
    throw new QueuetelConfigError(
      field,
      'must give queues or labels: a token that sees every queue is the unscoped `token`',
    );
  }
  return { token, queues: queues as string[], labels: checkedLabels };
}

function checkQueueLabels(value: unknown): (queue: string) => Readonly<Record<string, string>> {
  if (value === undefined) return () => ({});
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new QueuetelConfigError(
      'queueLabels',
      `must be an object keyed by queue name, got ${typeName(value)}`,
    );
  }
  const rules = Object.entries(value).map(([name, labels]) => {
    checkName(`queueLabels.${name}`, name);
    return { pattern: patternOf(name), labels: checkLabelValues(`queueLabels.${name}`, labels) };
  });
  // Every pattern that matches adds its labels; later entries win on the same key.
  return (queue) => {
    const labels: Record<string, string> = {};
    for (const rule of rules) if (rule.pattern.test(queue)) Object.assign(labels, rule.labels);
    return labels;
  };
}

function checkLabelValues(field: string, value: unknown): Readonly<Record<string, string>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new QueuetelConfigError(
      field,
      `must be an object such as { project: 'acme' }, got ${typeName(value)}`,
    );
  }
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== 'string' || label.length === 0) {
      throw new QueuetelConfigError(`${field}.${key}`, `must be a non-empty string, got ${typeName(label)}`);
    }
  }
  return value as Record<string, string>;
}

function checkName(field: string, name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new QueuetelConfigError(field, `must be a non-empty queue name, got ${typeName(name)}`);
  }
}
