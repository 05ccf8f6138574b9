import { PG_BOSS_SYSTEM } from './pg-boss-system.js';
import { PGMQ_SYSTEM } from './pgmq-system.js';
import type { QueueSystem } from './system.js';

/**
 * The queue systems the throughput suite runs, in order. A system is a {@link QueueSystem}: its
 * configurations (bare first) with `enqueue` and `consume`.
 */
export const SYSTEMS: readonly QueueSystem[] = [PG_BOSS_SYSTEM, PGMQ_SYSTEM];

export function systemById(id: string): QueueSystem {
  const system = SYSTEMS.find((s) => s.id === id);
  if (!system) throw new Error(`unknown queue system '${id}'; known: ${SYSTEMS.map((s) => s.id).join(', ')}`);
  return system;
}
