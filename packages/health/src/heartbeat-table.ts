/**
 * The table live queuetel consumers announce themselves in: one row per running consumer, beaten
 * every few seconds, counted by the collector. queuetel owns it; it holds no job data.
 */
export const HEARTBEAT_TABLE = 'queuetel.heartbeat';

/** A consumer counts as live until it misses this many of its own heartbeats, as pg-boss decides. */
export const QUIET_BEATS = 3;

/** Creates the table if it is missing. Safe to run from many processes at once. */
export const CREATE_HEARTBEAT_TABLE = `
  CREATE SCHEMA IF NOT EXISTS queuetel;
  CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (
    id uuid PRIMARY KEY,
    system text NOT NULL,
    schema text NOT NULL,
    queues text[] NOT NULL,
    host text NOT NULL,
    pid int NOT NULL,
    heartbeat_seconds int NOT NULL,
    started_on timestamptz NOT NULL DEFAULT now(),
    heartbeat_on timestamptz NOT NULL DEFAULT now(),
    stopped_on timestamptz
  )`;

/** The condition a live row meets. */
export const LIVE_HEARTBEAT = `stopped_on IS NULL
  AND heartbeat_on >= now() - make_interval(secs => heartbeat_seconds * ${QUIET_BEATS})`;
