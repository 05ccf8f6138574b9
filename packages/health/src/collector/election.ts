import { createHash } from 'node:crypto';
import type { Queryable } from '../database.js';

/**
 * The advisory-lock key of a collector group: the first eight bytes of a hash of its name, as a
 * signed 64-bit integer. Advisory locks are per database, so one group elects one leader per
 * database.
 */
export function lockKey(lockName: string): string {
  return createHash('sha256').update(`queuetel:${lockName}`).digest().readBigInt64BE(0).toString();
}

/**
 * Tries once, without waiting, to take the session-level lock. Whoever holds it leads until its
 * session ends: a crash, a kill or a lost connection all end the session, and the server releases
 * the lock with it, so a standby's next try succeeds.
 */
export async function tryLead(db: Queryable, key: string): Promise<boolean> {
  const { rows } = await db.query<{ leads: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS leads', [
    key,
  ]);
  return rows[0]?.leads === true;
}

/** Gives the lock up, so a standby need not wait for the session to end. */
export async function stepDown(db: Queryable, key: string): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}
