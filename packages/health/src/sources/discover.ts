import type { Queryable } from '../database.js';
import { quoteIdent } from '../database.js';
import type { SourceInfo } from '../snapshot.js';

/** The columns of one pg-boss schema's tables that the readers care about. */
export interface PgBossSchema {
  readonly schema: string;
  readonly version: number | undefined;
  readonly queueColumns: ReadonlySet<string>;
  readonly jobColumns: ReadonlySet<string>;
  /** The instance registry's columns (pg-boss 12); empty when the schema has none. */
  readonly instanceColumns: ReadonlySet<string>;
}

/** Everything one collection reads, found by {@link discover}. */
export interface Discovered {
  readonly pgBoss: readonly PgBossSchema[];
  /** The pgmq metrics function to call, or undefined when pgmq is absent or not wanted. */
  readonly pgmqMetrics: string | undefined;
  /** Whether `queuetel.heartbeat` exists, so that live consumers can be counted. */
  readonly heartbeats: boolean;
}

/** What the caller asked for: explicit pg-boss schemas, or discovery; pgmq on, off or if present. */
export interface DiscoveryRequest {
  readonly pgBossSchemas: readonly string[] | 'auto' | false;
  readonly pgmq: boolean | 'auto';
}

/** A schema or queue system that was asked for by name and is not in the database. */
export class QueueSourceNotFoundError extends Error {
  constructor(message: string) {
    super(`queuetel: ${message}`);
    this.name = 'QueueSourceNotFoundError';
  }
}

// The catalog is readable by every role, so discovery needs no grant. A schema counts as pg-boss's
// when it holds pg-boss's job_state type and its version, queue and job tables.
const CATALOG_SQL = `
  SELECT n.nspname AS schema, c.relname AS table, array_agg(a.attname::text) AS columns
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE c.relname IN ('version', 'queue', 'job', 'instance')
    AND c.relkind IN ('r', 'p')
    AND EXISTS (
      SELECT 1 FROM pg_catalog.pg_type t WHERE t.typnamespace = n.oid AND t.typname = 'job_state'
    )
  GROUP BY n.nspname, c.relname`;

// From the catalog too, not with to_regprocedure(), which refuses a role without USAGE on the schema
// (the monitoring role has none on pgmq). The wrapper counts only where this role may call it: the
// role script grants it to the monitoring role alone, and an owner of pgmq reads metrics_all() itself.
// Live consumers are counted only where this role may read the heartbeats; elsewhere the kind is
// left out, as it is where no heartbeat table exists, rather than failing every collection.
const EXTRAS_SQL = `
  SELECT
    EXISTS (
      SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'queuetel' AND p.proname = 'pgmq_metrics_all' AND p.pronargs = 0
        AND has_schema_privilege(n.oid, 'USAGE') AND has_function_privilege(p.oid, 'EXECUTE')
    ) AS "pgmqWrapper",
    EXISTS (
      SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'pgmq' AND p.proname = 'metrics_all' AND p.pronargs = 0
    ) AS "pgmq",
    EXISTS (
      SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'queuetel' AND c.relname = 'heartbeat' AND c.relkind IN ('r', 'p')
        AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
    ) AS heartbeats`;

const REQUIRED_JOB_COLUMNS = ['name', 'state', 'start_after', 'created_on'];
/** Every column of pg-boss's job table that any reader uses (`blocked` only where it exists). */
export const JOB_COLUMNS_READ = [...REQUIRED_JOB_COLUMNS, 'blocked'] as const;

/** The function a least-privilege role calls instead of `pgmq.metrics_all()` (see role.ts). */
export const PGMQ_METRICS_WRAPPER = 'queuetel.pgmq_metrics_all';

/**
 * Finds the pg-boss schemas, pgmq and the heartbeat table, and checks what was asked for by name.
 * Two catalog queries, whatever the number of jobs, so a collector runs it every time and sees a new
 * schema, pgmq or heartbeat table at its next collection. `versions` keeps each schema's version
 * between calls, since reading it costs a query per schema.
 */
export async function discover(
  db: Queryable,
  request: DiscoveryRequest,
  versions: Map<string, number | undefined> = new Map(),
): Promise<Discovered> {
  let pgBoss: PgBossSchema[] = [];
  if (request.pgBossSchemas !== false) {
    pgBoss = await findPgBossSchemas(db, versions);
    if (request.pgBossSchemas !== 'auto') {
      const wanted = request.pgBossSchemas;
      const found = new Set(pgBoss.map((s) => s.schema));
      const missing = wanted.find((schema) => !found.has(schema));
      if (missing !== undefined) {
        const known = [...found].sort().join(', ') || 'none';
        throw new QueueSourceNotFoundError(
          `pg-boss schema '${missing}' was not found in the database (pg-boss schemas found: ${known})`,
        );
      }
      pgBoss = pgBoss.filter((s) => wanted.includes(s.schema));
    }
  }
  const { rows } = await db.query<{ pgmqWrapper: boolean; pgmq: boolean; heartbeats: boolean }>(EXTRAS_SQL);
  const extras = rows[0]!;
  let pgmqMetrics: string | undefined;
  if (request.pgmq !== false) {
    if (extras.pgmqWrapper) pgmqMetrics = PGMQ_METRICS_WRAPPER;
    else if (extras.pgmq) pgmqMetrics = 'pgmq.metrics_all';
    else if (request.pgmq === true) {
      throw new QueueSourceNotFoundError('pgmq was asked for, but pgmq.metrics_all() does not exist');
    }
  }
  return { pgBoss, pgmqMetrics, heartbeats: extras.heartbeats };
}

async function findPgBossSchemas(
  db: Queryable,
  versions: Map<string, number | undefined>,
): Promise<PgBossSchema[]> {
  const { rows } = await db.query<{ schema: string; table: string; columns: string[] }>(CATALOG_SQL);
  const bySchema = new Map<string, Map<string, Set<string>>>();
  for (const row of rows) {
    let tables = bySchema.get(row.schema);
    if (!tables) bySchema.set(row.schema, (tables = new Map<string, Set<string>>()));
    tables.set(row.table, new Set(row.columns));
  }
  const schemas: PgBossSchema[] = [];
  for (const [schema, tables] of [...bySchema].sort(([a], [b]) => a.localeCompare(b))) {
    const job = tables.get('job');
    const queue = tables.get('queue');
    if (!tables.get('version')?.has('version') || !queue?.has('name') || !job) continue;
    if (!REQUIRED_JOB_COLUMNS.every((column) => job.has(column))) continue;
    if (!versions.has(schema)) versions.set(schema, await readVersion(db, schema));
    schemas.push({
      schema,
      version: versions.get(schema),
      queueColumns: queue,
      jobColumns: job,
      instanceColumns: tables.get('instance') ?? new Set(),
    });
  }
  return schemas;
}

async function readVersion(db: Queryable, schema: string): Promise<number | undefined> {
  try {
    const { rows } = await db.query<{ version: number }>(
      `SELECT version FROM ${quoteIdent(schema)}.version LIMIT 1`,
    );
    const version = Number(rows[0]?.version);
    return Number.isFinite(version) ? version : undefined;
  } catch {
    // A role without a grant on the version table still gets counts; the version is only shown.
    return undefined;
  }
}

/** What a discovered set of sources is, for reports. */
export function describeSources(discovered: Discovered): SourceInfo[] {
  const sources: SourceInfo[] = discovered.pgBoss.map((s) => ({
    system: 'pg-boss',
    schema: s.schema,
    version: s.version,
    method: s.queueColumns.has('queued_count') ? 'pg-boss cache' : 'pg-boss scan',
  }));
  if (discovered.pgmqMetrics) {
    sources.push({ system: 'pgmq', schema: 'pgmq', version: undefined, method: 'pgmq metrics' });
  }
  return sources;
}
