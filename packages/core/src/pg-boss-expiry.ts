/**
 * The messages pg-boss's supervisor stores, as `{ value: { message } }` in a job's `output`, on an
 * attempt it failed because the attempt stayed active too long: 10.x's expiry, 12.x's expiry and
 * 12.x's missed heartbeat. A live worker never stores these: a handler's own failure, its timeout
 * included, is stored as the serialized error (`{ message, stack, ... }`) or the thrown value.
 * Read by the pg-boss adapter (a retry counts the attempt before it) and by the queue-health
 * collector (a job that failed for good), so both know the mark by the same words.
 */
export const PG_BOSS_EXPIRY_MESSAGES: readonly string[] = Object.freeze([
  'job failed by timeout in active state',
  'job timed out',
  'job heartbeat timeout',
]);

/** The supervisor's marks as the `output` jsonb pg-boss stores, for comparing in SQL. */
export const PG_BOSS_EXPIRY_OUTPUTS: readonly string[] = Object.freeze(
  PG_BOSS_EXPIRY_MESSAGES.map((message) => JSON.stringify({ value: { message } })),
);
