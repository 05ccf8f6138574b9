export { instrumentPgBoss } from './instrument.js';
export { DATA_CARRIER_KEY } from './data-carrier.js';
export type {
  BatchHandler,
  JobHandler,
  InstrumentedPgBoss,
  PgBossInstrumentationOptions,
  PgBossJob,
  PgBossLike,
} from './types.js';
