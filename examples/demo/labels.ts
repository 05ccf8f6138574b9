/**
 * The demo's domain labels, the same on both queues: which project and which of its endpoints a
 * delivery is for. Each key keeps at most 20 values; more would fold into `_overflow`.
 */
export const PG_BOSS_LABELS = {
  project: { from: 'data.project', maxValues: 20 },
  endpoint: { from: 'data.endpoint', maxValues: 20 },
};

/** pgmq's payload is a message's `message` field, where pg-boss's is a job's `data`. */
export const PGMQ_LABELS = {
  project: { from: 'message.project', maxValues: 20 },
  endpoint: { from: 'message.endpoint', maxValues: 20 },
};
