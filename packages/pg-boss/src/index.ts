export { instrumentPgBoss } from './instrument.js';
export {
  PgBossInstrumentation,
  PG_BOSS_MODULE,
  PG_BOSS_VERSIONS,
  type PgBossInstrumentationConfig,
} from './pg-boss-instrumentation.js';
export { DATA_CARRIER_KEY } from './data-carrier.js';
export type {
  BatchHandler,
  JobHandler,
  InstrumentedPgBoss,
  PgBossInstrumentationOptions,
  PgBossJob,
  PgBossLike,
} from './types.js';
