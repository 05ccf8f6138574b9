import { QueuetelConfigError } from '@queuetel/core';
import { run } from './sql.js';
import type { Queryable } from './types.js';

/**
 * What queuetel uses of pgmq beyond 1.5's functions, the pgmq version that added it, and the
 * function whose presence shows it (argument types as `regprocedure` prints them, up to the first
 * that tells the overload apart).
 */
export const FEATURES = {
  popMany: { since: '1.7', fn: 'pgmq.pop(text,integer' },
  notifyInsert: { since: '1.7', fn: 'pgmq.enable_notify_insert(' },
  grouped: { since: '1.8', fn: 'pgmq.read_grouped(' },
  notifyThrottle: { since: '1.8', fn: 'pgmq.enable_notify_insert(text,integer' },
  setVtMany: { since: '1.8', fn: 'pgmq.set_vt(text,bigint[],integer' },
  groupedRoundRobin: { since: '1.9', fn: 'pgmq.read_grouped_rr(' },
  setVtAt: { since: '1.10', fn: 'pgmq.set_vt(text,bigint,timestamp with time zone' },
  topics: { since: '1.11', fn: 'pgmq.send_topic(' },
} as const;

export type Feature = keyof typeof FEATURES;

/** The pgmq installed in a database, as far as queuetel needs to know it. */
export interface PgmqInstall {
  /** The extension's version, or undefined when pgmq was installed as plain SQL. */
  readonly version: string | undefined;
  readonly features: ReadonlySet<Feature>;
}

// One statement: the extension's version if pgmq is one, and every function in schema pgmq.
const DETECT = `
  SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgmq') AS version,
         array(SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
               WHERE p.pronamespace = to_regnamespace('pgmq')) AS functions`;

export async function detectPgmq(db: Queryable): Promise<PgmqInstall> {
  const [row] = await run(db, undefined, DETECT, []);
  const functions = ((row?.functions as string[] | null) ?? []).map((fn) =>
    // regprocedure prints names unqualified when pgmq is on the search path.
    (fn.startsWith('pgmq.') ? fn : `pgmq.${fn}`).replace(/, /g, ','),
  );
  const features = new Set<Feature>();
  for (const [feature, { fn }] of Object.entries(FEATURES) as [Feature, { fn: string }][]) {
    if (functions.some((present) => present.startsWith(fn))) features.add(feature);
  }
  return { version: typeof row?.version === 'string' ? row.version : undefined, features };
}

/**
 * Refuses `option` when the installed pgmq lacks `feature`: the error names the option, the pgmq
 * version it needs, and the version found.
 */
export function requireFeature(install: PgmqInstall, feature: Feature, option: string): void {
  if (install.features.has(feature)) return;
  const { since, fn } = FEATURES[feature];
  const found =
    install.version === undefined
      ? `this database's pgmq has no ${fn}…)`
      : `this database has pgmq ${install.version}`;
  throw new QueuetelConfigError(option, `needs pgmq ${since} or later; ${found}`);
}
