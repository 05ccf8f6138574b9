export {
  startQueueHealth,
  HEALTH_SCOPE,
  type CollectorState,
  type QueueHealth,
} from './collector/collector.js';
export { COLLECTOR_ERROR_TYPES, collectorErrorType } from './collector/errors.js';
export { redactUrl, type PoolLike } from './database.js';
export { startHeartbeat, type Heartbeat, type HeartbeatOptions } from './heartbeat.js';
export { HEARTBEAT_TABLE } from '@queuetel/core/internal';
export { createHealthHandler, type HealthHandler, type HealthHandlerOptions } from './http/handler.js';
export {
  bearerTokenMatches,
  createAccess,
  type Access,
  type AccessScope,
  type QueueLabels,
  type ScopedToken,
} from './http/scopes.js';
export { summarizeQueues, type HealthReport, type QueueStats, type QueueSummary } from './http/report.js';
export {
  checkThresholds,
  type HealthStatus,
  type HealthThresholds,
  type Limit,
  type QueueThresholds,
} from './http/status.js';
export { readQueueHealth } from './one-shot.js';
export { DEFAULT_INTERVAL_SECONDS, type QueueHealthOptions, type ReadOptions } from './options.js';
export { DEFAULT_MONITORING_ROLE, monitoringRoleSql, type MonitoringRoleOptions } from './role.js';
export { QueueSourceNotFoundError } from './sources/discover.js';
export {
  liveWorkers,
  waitingJobs,
  type CountMethod,
  type HealthSnapshot,
  type JobCounts,
  type QueueSnapshot,
  type QueueState,
  type QueueSystem,
  type SourceInfo,
  type WorkerCounts,
  type WorkerKind,
} from './snapshot.js';
