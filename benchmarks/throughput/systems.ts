import { PG_BOSS_SYSTEM } from './pg-boss-system.js';
import type { QueueSystem } from './system.js';

/**
 * The queue systems the throughput suite runs. A system is a {@link QueueSystem}: its
 * configurations (bare first) with `enqueue` and `consume`. pgmq joins by implementing one around
 * `@queuetel/pgmq`'s `consume()` (bare: the same loop without instrumentation) and adding it here.
 */
export const SYSTEMS: readonly QueueSystem[] = [PG_BOSS_SYSTEM];

export function systemById(id: string): QueueSystem {
  const system = SYSTEMS.find((s) => s.id === id);
  if (!system) throw new Error(`unknown queue system '${id}'; known: ${SYSTEMS.map((s) => s.id).join(', ')}`);
  return system;
}
